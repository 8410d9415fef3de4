/**
 * The MCP project's own task receiver (`bindTaskReceiver` of `@modelcontextprotocol/ext-tasks` 0.2.2
 * on the SDK v2 client, legacy era) with its own requester on top, against a demo process: the
 * cases of issue 18 part 2 (task-augmented elicitation and sampling, cancel, failure), registered
 * once and run in memory and on Redis.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createApplicationInputHandler, createTaskSessionFromClient, resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import type { TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { bindTaskReceiver } from '@modelcontextprotocol/ext-tasks/receiver';
import type { TaskReceiverCallback } from '@modelcontextprotocol/ext-tasks/receiver';
import { afterAll, expect, test } from 'vitest';
import type { DemoProcess } from './demoProcess.js';
import { eventually } from './harness.js';
import { until } from './until.js';

interface Receiving {
  client: Client;
  session: TaskEnabledSession;
  /** What reached the receiver's callbacks, with their signals. */
  received: { method: string; params: Record<string, unknown>; taskId: string; signal: AbortSignal }[];
  /** Requests that reached the plain (non-task) input handler. */
  plain: string[];
}

const opened: Receiving[] = [];

/** The SDK v2 client with the official receiver bound (both methods) and the official requester on top. */
async function receivingClient(
  demo: DemoProcess,
  callbacks: { elicitation?: TaskReceiverCallback; sampling?: TaskReceiverCallback },
  receiverOptions: { pollIntervalMs?: number } = {},
): Promise<Receiving> {
  const received: Receiving['received'] = [];
  const plain: string[] = [];
  const tasks = { list: {}, cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } };
  const client = new Client(
    { name: 'ext-tasks-receiver', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, sampling: {}, tasks } },
  );
  const record =
    (callback: TaskReceiverCallback | undefined): TaskReceiverCallback =>
    async (request, context) => {
      received.push({ method: request.method, params: request.params as Record<string, unknown>, ...context });
      if (!callback) throw new Error('not expected');
      return callback(request, context);
    };
  const binding = bindTaskReceiver(client, {
    methods: { 'elicitation/create': true, 'sampling/createMessage': true },
    elicitation: record(callbacks.elicitation),
    sampling: record(callbacks.sampling),
    ttlMs: 60_000,
    ...receiverOptions,
  });
  expect(binding.capabilities).toEqual(tasks);
  const fetchWithToken: typeof fetch = (url, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'Bearer alice-token');
    return fetch(url, { ...init, headers });
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(demo.url), { fetch: fetchWithToken }));
  const session = createTaskSessionFromClient(client, {
    endpointId: `receiver-${opened.length}`,
    onInputRequest: createApplicationInputHandler({
      elicitation: async () => {
        plain.push('elicitation');
        return { action: 'decline' };
      },
      sampling: async () => {
        plain.push('sampling');
        return { role: 'assistant', model: 'plain', content: { type: 'text', text: 'plain answer' } };
      },
      roots: async () => ({ roots: [] }),
    }),
  });
  const r = { client, session, received, plain };
  opened.push(r);
  return r;
}

function text(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] ?? { text: '' }).text;
}

/** Closes every client opened in the file (call once per file). */
export function closeReceiversAfterAll(): void {
  afterAll(async () => {
    for (const r of opened.splice(0)) {
      await r.session.close().catch(() => {});
      await r.client.close().catch(() => {});
    }
  });
}

/** Registers the cases against the demo instance `instance()` returns. */
export function receivesClientTasks(instance: () => DemoProcess): void {
  test('approve: the elicitation runs as a client task with params.task, and its ElicitResult decides the tool', async () => {
    const { session, received, plain } = await receivingClient(instance(), {
      elicitation: async () => ({ action: 'accept', content: { approved: true } }),
    });
    const call = await session.callTool('approve', { action: 'ship it' });
    expect(call.kind).toBe('task');
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('approved: ship it');
    expect(received.map((r) => r.method)).toEqual(['elicitation/create']);
    expect(received[0]!.params['task']).toEqual({});
    expect(String(received[0]!.params['message'])).toContain('ship it');
    expect(plain).toEqual([]);
  });

  test('summarize: the sampling runs as a client task and its completion is the summary', async () => {
    const { session, received, plain } = await receivingClient(instance(), {
      sampling: async () => ({ role: 'assistant', model: 'test-model', content: { type: 'text', text: 'summary from a client task' } }),
    });
    const call = await session.callTool('summarize', { text: 'a long text' });
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('summary from a client task');
    expect(received.map((r) => r.method)).toEqual(['sampling/createMessage']);
    expect(plain).toEqual([]);
  });

  test('the server task is input_required for as long as the client task runs, then completes with its answer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { session } = await receivingClient(
      instance(),
      {
        elicitation: async () => {
          await gate;
          return { action: 'accept', content: { approved: false } };
        },
      },
      { pollIntervalMs: 50 },
    );
    const call = await session.callTool('approve', { action: 'wait a bit' });
    if (call.kind !== 'task') throw new Error('approve is a task tool');
    const task = session.task(call.handle.taskId);
    // The server task shows input_required while the client's task runs, and stays so.
    await eventually(async () => (await task.snapshot()).status === 'input_required');
    await new Promise((r) => setTimeout(r, 300));
    expect((await task.snapshot()).status).toBe('input_required');
    release();
    const settled = await call.settle();
    expect(text(resultFromTaskOutcome(settled.outcome))).toBe('rejected: wait a bit');
  });

  test('cancelling the server task cancels the client task (its signal aborts)', async () => {
    const { session, received } = await receivingClient(instance(), {
      elicitation: (_request, context) =>
        new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    const call = await session.callTool('approve', { action: 'never answered' });
    expect(call.kind).toBe('task');
    await until(() => received.length === 1, 'the client task exists');
    await call.cancel();
    const settled = await call.settle();
    expect(settled.outcome.status).toBe('cancelled');
    await until(() => received[0]!.signal.aborted, 'the receiver saw tasks/cancel');
  });

  test('a client task that fails fails the tool with its error', async () => {
    const { session } = await receivingClient(instance(), {
      sampling: async () => {
        throw new Error('no model available');
      },
    });
    const call = await session.callTool('summarize', { text: 'x' });
    const settled = await call.settle();
    expect(settled.outcome.status).toBe('failed');
    expect(JSON.stringify(settled.outcome)).toContain('no model available');
  });
  test('the demo logged no event sent to a stopped actor and no unhandled error', () => {
    expect(instance().output()).not.toMatch(/stopped actor|Unhandled|unhandled/);
  });
}
