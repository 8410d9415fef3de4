/**
 * An inline call (a plain `tools/call`, no task) that asks the client for input or logs while it is
 * open, on Streamable HTTP where the call's own POST cannot carry it: JSON-response mode
 * (`enableJsonResponse`) and stateless serving. Both SDK lines dropped such a message without an
 * error: the log was lost, and the ask waited for the SDK's request timeout (60 s) with the client
 * never asked. Now (src/sdk/guardRelatedSends.ts) it goes on the session's GET stream when one is
 * open, and otherwise the ask fails at once with an `UnreachableClientError` (a
 * `MissingClientCapabilityError`) the work can catch. Driven with SDK v1's real client; run by
 * test/sdk/v1/inlineAskHttp.test.ts and test/sdk/v2/inlineAskHttp.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MissingClientCapabilityError } from '../../src/index.js';
import type { TaskContext } from '../../src/index.js';

/** How the server under test serves: one JSON body per POST or not, sessions or not, GET streams or refused (405). */
export interface InlineServing {
  json: boolean;
  stateless: boolean;
  refuseGet?: boolean;
}

export interface ServedInline {
  url: URL;
  /** Whether the server has answered a GET with its event stream (the client opens it after `initialized`, unawaited). */
  getStreamOpen(): boolean;
  /** Requests to the client the servers' SDK still waits on (its `_responseHandlers`, over all servers made). */
  pendingRequests(): number;
  close(): Promise<void>;
}

/** The server's tools (the same on both SDK lines): `ask` is a TaskSupport `optional` tool, `pingClient` a plain one. */
export const askInput = { kind: z.enum(['elicit', 'sample']), catchIt: z.boolean() };

/**
 * `ask`'s work: logs, asks, and answers with what it got; with `catchIt`, an ask that failed is
 * answered with how (its class, its message and how long it took).
 */
export async function askWork(args: { kind: 'elicit' | 'sample'; catchIt: boolean }, task: TaskContext): Promise<CallToolResult> {
  await task.log('info', 'before');
  const started = Date.now();
  try {
    const text =
      args.kind === 'elicit'
        ? JSON.stringify((await task.elicit({ message: 'Proceed?', requestedSchema: { type: 'object', properties: {} } })).action)
        : JSON.stringify((await task.createMessage({ messages: [], maxTokens: 5 })).content);
    return { content: [{ type: 'text', text }] };
  } catch (error) {
    if (!args.catchIt) throw error;
    const capability = error instanceof MissingClientCapabilityError;
    const took = Date.now() - started;
    return { content: [{ type: 'text', text: JSON.stringify({ capability, message: (error as Error).message, took }) }] };
  }
}

/** The timeout the client gives each call: well under the SDK's 60 s request timeout the asks waited for. */
const CALL_TIMEOUT = { timeout: 5000 };

export function inlineAskCases(name: string, start: (serving: InlineServing) => Promise<ServedInline>): void {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function connect(serving: InlineServing) {
    const served = await start(serving);
    cleanups.push(() => served.close());
    const client = new Client({ name: 'inline-ask', version: '1' }, { capabilities: { elicitation: { form: {} }, sampling: {} } });
    const seen: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, () => {
      seen.push('elicitation/create');
      return { action: 'accept', content: {} };
    });
    client.setRequestHandler(CreateMessageRequestSchema, () => {
      seen.push('sampling/createMessage');
      return { role: 'assistant', model: 'test', content: { type: 'text', text: 'sampled' } };
    });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      seen.push(`log ${String(notification.params.data)}`);
    });
    const transport = new StreamableHTTPClientTransport(served.url);
    await client.connect(transport);
    cleanups.push(() => client.close());
    const call = async (tool: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name: tool, arguments: args }, undefined, CALL_TIMEOUT)) as CallToolResult;
      return { result, text: (result.content[0] as { text: string }).text };
    };
    return { client, seen, call, served };
  }

  describe(name, () => {
    it.each(['elicit', 'sample'] as const)(
      'JSON-response mode with a GET stream: the %s request and the log reach the client there; the call answers with its answer',
      async (kind) => {
        const s = await connect({ json: true, stateless: false });
        await expect.poll(() => s.served.getStreamOpen()).toBe(true);
        const { text } = await s.call('ask', { kind, catchIt: false });
        expect(text).toBe(kind === 'elicit' ? '"accept"' : '{"type":"text","text":"sampled"}');
        expect(s.seen).toEqual(['log before', kind === 'elicit' ? 'elicitation/create' : 'sampling/createMessage']);
      },
    );

    it.each(['elicit', 'sample'] as const)(
      'JSON-response mode without a GET stream: the %s fails at once with a MissingClientCapabilityError the work catches',
      async (kind) => {
        const s = await connect({ json: true, stateless: false, refuseGet: true });
        const { text } = await s.call('ask', { kind, catchIt: true });
        const caught = JSON.parse(text) as { capability: boolean; message: string; took: number };
        const method = kind === 'elicit' ? 'elicitation/create' : 'sampling/createMessage';
        expect(caught).toMatchObject({
          capability: true,
          message: `${method} cannot reach the client within this call: the server answers each POST with one JSON body (enableJsonResponse) and the session has no GET stream open to carry the request`,
        });
        expect(caught.took).toBeLessThan(2000);
        expect(s.seen).toEqual([]);
        // Not left waiting in the SDK (v1 kept the handler of a request whose send failed).
        await expect.poll(() => s.served.pendingRequests()).toBe(0);
      },
    );

    it('JSON-response mode without a GET stream, not caught: the call answers isError with the one line', async () => {
      const s = await connect({ json: true, stateless: false, refuseGet: true });
      const { result, text } = await s.call('ask', { kind: 'elicit', catchIt: false });
      expect(result.isError).toBe(true);
      expect(text).toMatch(/^elicitation\/create cannot reach the client within this call: .*no GET stream open/);
      expect(text).not.toContain('\n');
    });

    it.each([false, true])(
      "stateless (JSON-response mode: %s): a handler's own request to the client fails at once; its answer could never come back",
      async (json) => {
        const s = await connect({ json, stateless: true });
        const { text } = await s.call('pingClient', {});
        expect(JSON.parse(text)).toMatchObject({
          name: 'UnreachableClientError',
          message:
            'ping cannot reach the client within this call: stateless HTTP serving has no session for its answer to come back to (it would reach another server); call the tool as a task',
        });
        expect((JSON.parse(text) as { took: number }).took).toBeLessThan(2000);
      },
    );

    it.each([
      ['elicit', 'elicitation'],
      ['sample', 'sampling'],
    ] as const)(
      'stateless: an inline %s fails at once with a MissingClientCapabilityError saying why (no initialize on its connection) and what to do; the log goes out on the POST',
      async (kind, capability) => {
        const s = await connect({ json: false, stateless: true });
        const caught = JSON.parse((await s.call('ask', { kind, catchIt: true })).text) as Record<string, unknown>;
        // Not "The client did not declare …": it did, on a connection this server never saw.
        expect(caught).toMatchObject({
          capability: true,
          message: `The client's capabilities are unknown, so '${capability}' cannot be asked for: no initialize came on the connection of this call (stateless HTTP serving, where each request is a connection of its own and an answer could not come back to this call); call the tool as a task, on a server that sets statelessClientCapabilities`,
        });
        expect(s.seen).toEqual(['log before']);
      },
    );

    it('stateless, as a task on a server without statelessClientCapabilities: the ask fails saying the server has to set them', async () => {
      const s = await connect({ json: false, stateless: true });
      const created = await s.client.request(
        { method: 'tools/call', params: { name: 'ask', arguments: { kind: 'elicit', catchIt: false }, task: {} } },
        CreateTaskResultSchema,
      );
      const result = await s.client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
      expect(result).toMatchObject({
        isError: true,
        content: [
          {
            type: 'text',
            text: "The client's capabilities are unknown, so 'elicitation' cannot be asked for: no initialize came on the connection of this task's tools/call (stateless HTTP serving, where each request is a connection of its own); set the server's statelessClientCapabilities to what its clients can do",
          },
        ],
      });
      expect(s.seen).not.toContain('elicitation/create');
    });

    it("SSE mode with sessions (guard): the elicitation goes on the call's own stream, as before", async () => {
      const s = await connect({ json: false, stateless: false, refuseGet: true });
      expect((await s.call('ask', { kind: 'elicit', catchIt: false })).text).toBe('"accept"');
      expect(s.seen).toEqual(['log before', 'elicitation/create']);
    });
  });
}
