/**
 * SDK v2 drops a request its JSON-RPC schema rejects without a reply: in memory its onmessage reports
 * "Unknown message type", on stdio its line reader throws the schema's error and the transport drops
 * the line; either way the client would wait forever. The host answers it instead, as on v1. And the
 * related-task `_meta` key, which 2025-11-25 says receivers MUST ignore on tasks/get, tasks/result and
 * tasks/cancel, is dropped before v2's schema (which wants `{ taskId: string }` there) can refuse it.
 * Over Streamable HTTP v2's transport answers such a body itself (HTTP 400) before the library sees it.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer, isJSONRPCRequest } from '@modelcontextprotocol/server';
import { JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { TaskSupport } from '../../../src/index.js';
import { expectServedByTaskId } from '../../support/relatedTaskMeta.js';
import { stdioLines } from '../v1/stdioLines.js';
import type { StdioLines } from '../v1/stdioLines.js';

const RELATED = 'io.modelcontextprotocol/related-task';
const anyResult = z.looseObject({});
/** Long enough for any answer in memory; an unanswered request is seen as `NO_ANSWER` instead of hanging the test. */
const ANSWER_WAIT_MS = 1_500;
const NO_ANSWER = 'no answer';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Answer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** A v2 McpServer with TaskSupport and a v2 client, linked by v2's in-memory transport (2025-11-25 era). */
async function setUp(): Promise<{
  client: Client;
  /** Sends a raw request; its answer, or `NO_ANSWER` after {@link ANSWER_WAIT_MS}. */
  send(message: Record<string, unknown>): Promise<Answer | typeof NO_ANSWER>;
  notify(message: Record<string, unknown>): Promise<void>;
  finish(): void;
}> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const server = new McpServer({ name: 'v2-unparseable', version: '1.0.0' });
  tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => {
    await finished;
    return { content: [{ type: 'text', text: 'job done' }] };
  });
  tasks.enable(server);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'v2-client', version: '1.0.0' });
  await client.connect(clientTransport);
  cleanups.push(async () => {
    finish();
    await client.close();
    await server.close();
  });
  // Raw messages on the client's own transport (the client would not send a malformed one); the
  // answers to their ids are taken off before the client sees them.
  const waiting = new Map<unknown, (answer: Answer) => void>();
  const clientOnmessage = clientTransport.onmessage!;
  clientTransport.onmessage = (message, extra) => {
    const id = (message as { id?: unknown }).id;
    const waiter = 'method' in message ? undefined : waiting.get(id);
    if (waiter) return waiter(message as Answer);
    clientOnmessage(message, extra);
  };
  let ids = 0;
  const send = async (message: Record<string, unknown>): Promise<Answer | typeof NO_ANSWER> => {
    const id = 'id' in message ? message['id'] : `raw-${++ids}`;
    const answered = new Promise<Answer>((resolve) => waiting.set(id, resolve));
    await clientTransport.send({ jsonrpc: '2.0', ...message } as never);
    const timeout = new Promise<typeof NO_ANSWER>((resolve) => setTimeout(() => resolve(NO_ANSWER), ANSWER_WAIT_MS).unref());
    return Promise.race([answered, timeout]);
  };
  const notify = (message: Record<string, unknown>) => clientTransport.send({ jsonrpc: '2.0', ...message } as never);
  return { client, send, notify, finish: () => finish() };
}

async function createTask(client: Client): Promise<string> {
  const created = await client.request({ method: 'tools/call', params: { name: 'job', arguments: {}, task: {} } }, anyResult);
  return (created['task'] as { taskId: string }).taskId;
}

describe('SDK v2 over in-memory transport: requests v2 cannot parse', () => {
  it('answers a request whose _meta or params v2 rejects with -32602 and one readable message, instead of leaving the client waiting', async () => {
    const { client, send, notify } = await setUp();
    const cases: Record<string, unknown>[] = [
      { id: 'call', method: 'tools/call', params: { name: 'job', arguments: {}, _meta: { [RELATED]: 'garbage' } } },
      { id: 'list', method: 'tools/list', params: { _meta: { progressToken: 1.5 } } },
      { id: 'ping', method: 'ping', params: { _meta: 'not an object' } },
      { id: 'array', method: 'tasks/list', params: [] },
    ];
    for (const request of cases) {
      const answer = await send(request);
      expect(answer, `${String(request['id'])}`).toMatchObject({ id: request['id'], error: { code: -32602 } });
      const { message } = (answer as Answer).error!;
      expect(message).toMatch(new RegExp(`^Invalid params for ${String(request['method'])}: `));
      expect(message).not.toMatch(/\n|✖|→/);
    }
    // No JSON-RPC request at all (a member the strict schema refuses): -32600.
    expect(await send({ id: 'extra', method: 'ping', extra: true })).toMatchObject({ id: 'extra', error: { code: -32600 } });
    // A notification v2 cannot parse gets no answer (it wants none) and harms nothing.
    await notify({ method: 'notifications/cancelled', params: { _meta: 'bad', requestId: 'x' } });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['job']);
  });

  it('serves tasks/get, tasks/result and tasks/cancel by params.taskId whatever the related-task _meta holds (2025-11-25: MUST ignore it)', async () => {
    const { client, send, finish } = await setUp();
    const running = await createTask(client);
    const other = await createTask(client);
    await expectServedByTaskId(send, running, other, finish, { cancelMeta: 42, resultMeta: 'garbage', progressToken: 't' });
  });

  it("judges requests as v2's own JSON-RPC request schema does (the host uses v1's, v2 being an optional peer)", () => {
    const messages: unknown[] = [
      { jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 't', _meta: { [RELATED]: 'garbage' } } },
      { jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 't', _meta: { [RELATED]: { taskId: 't' } } } },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 1.5 } } },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 'p', other: [1] } } },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: null } },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: [] },
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
      { jsonrpc: '2.0', id: 'a', method: 'ping', extra: 1 },
      { jsonrpc: '1.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', id: 'a', method: 'ping', params: { anything: { goes: true } } },
    ];
    for (const message of messages)
      expect(JSONRPCRequestSchema.safeParse(message).success, JSON.stringify(message)).toBe(isJSONRPCRequest(message));
  });
});

/** A v2 McpServer with TaskSupport on v2's real StdioServerTransport, its client end raw lines (the client would not send a malformed one). */
async function setUpStdio(): Promise<{ lines: StdioLines; finish(): void }> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const server = new McpServer({ name: 'v2-stdio', version: '1.0.0' });
  tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => {
    await finished;
    return { content: [{ type: 'text', text: 'job done' }] };
  });
  tasks.enable(server);
  const lines = stdioLines();
  await server.connect(new StdioServerTransport(lines.stdin, lines.stdout));
  cleanups.push(async () => {
    finish();
    await server.close();
  });
  await lines.open();
  return { lines, finish: () => finish() };
}

describe("SDK v2 over its stdio transport: lines v2's schema refuses", () => {
  it('answers a request line v2 would drop with -32602, drops a notification line as before, and serves on', async () => {
    const { lines } = await setUpStdio();
    const call = await lines.request({
      id: 1,
      method: 'tools/call',
      params: { name: 'job', arguments: {}, _meta: { [RELATED]: 'garbage' } },
    });
    expect(call).toMatchObject({ id: 1, error: { code: -32602, message: expect.stringMatching(/^Invalid params for tools\/call: /) } });
    const list = await lines.request({ id: 'list', method: 'tools/list', params: { _meta: { progressToken: 1.5 } } });
    expect(list).toMatchObject({ id: 'list', error: { code: -32602 } });
    lines.write({ method: 'notifications/cancelled', params: { _meta: 'bad', requestId: 1 } });
    lines.write({ id: 'no method', params: {} }); // JSON, but no message: dropped as before
    lines.stdin.write('not json at all\n');
    expect(await lines.request({ id: 'ok', method: 'tools/list' })).toMatchObject({ id: 'ok', result: { tools: [{ name: 'job' }] } });
  });

  it('serves tasks/get, tasks/result and tasks/cancel by params.taskId whatever the related-task _meta holds', async () => {
    const { lines, finish } = await setUpStdio();
    const create = async (id: string): Promise<string> => {
      const created = await lines.request({ id, method: 'tools/call', params: { name: 'job', arguments: {}, task: {} } });
      return (created as { result: { task: { taskId: string } } }).result.task.taskId;
    };
    const running = await create('first');
    const other = await create('second');
    expect(
      await lines.request({ id: 'get', method: 'tasks/get', params: { taskId: running, _meta: { [RELATED]: 'garbage' } } }),
    ).toMatchObject({
      result: { taskId: running, status: 'working' },
    });
    expect(
      await lines.request({ id: 'cancel', method: 'tasks/cancel', params: { taskId: other, _meta: { [RELATED]: [other] } } }),
    ).toMatchObject({
      result: { taskId: other, status: 'cancelled' },
    });
    const result = lines.request({
      id: 'result',
      method: 'tasks/result',
      params: { taskId: running, _meta: { [RELATED]: { taskId: 7 } } },
    });
    finish();
    expect(await result).toMatchObject({ result: { content: [{ type: 'text', text: 'job done' }] } });
  });
});
