/**
 * The MCP project's own requester, `@modelcontextprotocol/ext-tasks` (0.2.2), on the SDK v2 client in
 * the legacy (2025-11-25) era, as a new user would drive the demo: the same four cases on every backend.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createApplicationInputHandler, createTaskSessionFromClient, resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import type { TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { afterAll, expect, test } from 'vitest';
import type { DemoProcess } from './demoProcess.js';

interface Requester {
  session: TaskEnabledSession;
  client: Client;
  /** Each input request the application was asked, by kind. */
  asked: { kind: string; text: string }[];
}

const opened: Requester[] = [];

/** A new user of ext-tasks: the SDK v2 client (legacy era, bearer principal), `onInputRequest` answering elicitation and sampling. */
export async function requester(demo: DemoProcess, answers: { approve: boolean } = { approve: true }): Promise<Requester> {
  const client = new Client({ name: 'ext-tasks-legacy', version: '1.0.0' }, { capabilities: { elicitation: { form: {} }, sampling: {} } });
  const fetchWithToken: typeof fetch = (url, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'Bearer alice-token');
    return fetch(url, { ...init, headers });
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(demo.url), { fetch: fetchWithToken }));
  expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
  const asked: Requester['asked'] = [];
  const session = createTaskSessionFromClient(client, {
    endpointId: `demo-${opened.length}`,
    onInputRequest: createApplicationInputHandler({
      elicitation: async (request) => {
        asked.push({ kind: 'elicitation', text: JSON.stringify(request) });
        return { action: 'accept', content: { approved: answers.approve } };
      },
      sampling: async (request) => {
        asked.push({ kind: 'sampling', text: JSON.stringify(request) });
        return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'a short summary' } };
      },
      roots: async () => ({ roots: [] }),
    }),
  });
  const r = { session, client, asked };
  opened.push(r);
  return r;
}

function text(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] ?? { text: '' }).text;
}

/** Registers the four cases against the demo instance `instance()` returns. */
export function drivesTheDemo(instance: () => DemoProcess): void {
  test('countdown completes as a task', async () => {
    const demo = instance();
    const { session } = await requester(demo);
    const call = await session.callTool('countdown', { seconds: 2 }, { task: { preference: 'require' } });
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('countdown finished after 2 s');
  });

  test('approve (elicitation) settles: the request arrives once, correlated by the related-task _meta', async () => {
    const demo = instance();
    const { session, asked } = await requester(demo);
    const call = await session.callTool('approve', { action: 'ship it' });
    expect(call.kind).toBe('task');
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('approved: ship it');
    expect(asked.map((a) => a.kind)).toEqual(['elicitation']);
    expect(asked[0]!.text).toContain('ship it');
  });

  test('summarize (sampling) settles with the client’s completion', async () => {
    const demo = instance();
    const { session, asked } = await requester(demo);
    const call = await session.callTool('summarize', { text: 'a long text' });
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('a short summary');
    expect(asked.map((a) => a.kind)).toEqual(['sampling']);
  });

  test('a cancelled countdown ends cancelled', async () => {
    const demo = instance();
    const { session } = await requester(demo);
    const call = await session.callTool('countdown', { seconds: 600 }, { task: { preference: 'require' } });
    expect(call.kind).toBe('task');
    await call.cancel();
    const settled = await call.settle();
    expect(settled.outcome.status).toBe('cancelled');
  });
}

/** Closes every requester opened in the file (call once per file). */
export function closeRequestersAfterAll(): void {
  afterAll(async () => {
    for (const r of opened.splice(0)) {
      await r.session.close().catch(() => {});
      await r.client.close().catch(() => {});
    }
  });
}
