/**
 * SDK v1: 2025-11-25 says receivers MUST ignore the related-task `_meta` key on tasks/get,
 * tasks/result and tasks/cancel (its schema leaves it untyped there), where v1's request schema wants
 * `{ taskId: string }`: the key is dropped before that schema runs, and the request is served by
 * `params.taskId`. On v1's stdio transport a request line the schema refuses was dropped before the
 * connection's wrapper saw it (the client waited forever); it is answered now, as in memory.
 * Over Streamable HTTP the transport itself answers such a body with HTTP 400 / -32700 first.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { expectServedByTaskId } from '../../support/relatedTaskMeta.js';
import { ANSWER_WAIT_MS, NO_ANSWER, stdioLines } from './stdioLines.js';
import type { StdioLines, WireAnswer } from './stdioLines.js';

const RELATED = 'io.modelcontextprotocol/related-task';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A v1 McpServer with TaskSupport and one task tool that runs until `finish()`. */
function taskServer(tasks: TaskSupport): { server: McpServer; finish(): void } {
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const server = new McpServer({ name: 'v1-related-task', version: '1.0.0' });
  tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => {
    await finished;
    return { content: [{ type: 'text', text: 'job done' }] };
  });
  tasks.enable(server);
  cleanups.push(async () => {
    finish();
    await server.close();
  });
  return { server, finish: () => finish() };
}

/** In memory: a v1 client, and raw requests on its transport (the client would not send a malformed `_meta`). */
async function setUpInMemory(): Promise<{
  client: Client;
  send(message: Record<string, unknown>): Promise<WireAnswer | typeof NO_ANSWER>;
  finish(): void;
}> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const { server, finish } = taskServer(tasks);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'v1-client', version: '1.0.0' });
  await client.connect(clientTransport);
  cleanups.push(() => client.close());
  const waiting = new Map<unknown, (answer: WireAnswer) => void>();
  const clientOnmessage = clientTransport.onmessage!;
  clientTransport.onmessage = (message, extra) => {
    const waiter = 'method' in message ? undefined : waiting.get((message as { id?: unknown }).id);
    if (waiter) return waiter(message as WireAnswer);
    clientOnmessage(message, extra);
  };
  const send = async (message: Record<string, unknown>): Promise<WireAnswer | typeof NO_ANSWER> => {
    const answered = new Promise<WireAnswer>((resolve) => waiting.set(message['id'], resolve));
    await clientTransport.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage);
    const timeout = new Promise<typeof NO_ANSWER>((resolve) => setTimeout(() => resolve(NO_ANSWER), ANSWER_WAIT_MS).unref());
    return Promise.race([answered, timeout]);
  };
  return { client, send, finish };
}

/** Over v1's real StdioServerTransport, the client end raw lines. */
async function setUpStdio(): Promise<{ lines: StdioLines; finish(): void }> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const { server, finish } = taskServer(tasks);
  const lines = stdioLines();
  await server.connect(new StdioServerTransport(lines.stdin, lines.stdout));
  await lines.open();
  return { lines, finish };
}

describe('SDK v1: the related-task _meta on tasks/get, tasks/result, tasks/cancel is ignored (2025-11-25)', () => {
  it('in memory: served by params.taskId, not refused with -32602', async () => {
    const { client, send, finish } = await setUpInMemory();
    const create = async (): Promise<string> =>
      (await client.request({ method: 'tools/call', params: { name: 'job', arguments: {}, task: {} } }, CreateTaskResultSchema)).task
        .taskId;
    await expectServedByTaskId(send, await create(), await create(), finish, { cancelMeta: 'garbage', resultMeta: 1, progressToken: 'p' });
    // Elsewhere the key keeps its type: a tools/call with a malformed one is -32602.
    const call = await send({ id: 'call', method: 'tools/call', params: { name: 'job', arguments: {}, _meta: { [RELATED]: 'garbage' } } });
    expect(call).toMatchObject({ error: { code: -32602 } });
  });

  it('over stdio: served by params.taskId, not dropped unanswered', async () => {
    const { lines, finish } = await setUpStdio();
    const create = async (id: string): Promise<string> => {
      const created = await lines.request({ id, method: 'tools/call', params: { name: 'job', arguments: {}, task: {} } });
      return (created as { result: { task: { taskId: string } } }).result.task.taskId;
    };
    await expectServedByTaskId(lines.request, await create('first'), await create('second'), finish, {
      cancelMeta: 'garbage',
      resultMeta: 1,
      progressToken: 'p',
    });
  });
});

describe("SDK v1 over its stdio transport: request lines v1's schema refuses", () => {
  it('are answered with -32602 (or -32600), where the transport used to drop them; notifications and junk stay dropped', async () => {
    const { lines } = await setUpStdio();
    const call = await lines.request({
      id: 1,
      method: 'tools/call',
      params: { name: 'job', arguments: {}, _meta: { [RELATED]: 'garbage' } },
    });
    // One line, naming where: no z.prettifyError layout ("✖ …\n  → at …").
    expect(call).toMatchObject({
      id: 1,
      error: { code: -32602, message: expect.stringMatching(/^Invalid params for tools\/call: params\._meta[^\n✖→]*$/) },
    });
    expect(await lines.request({ id: 'list', method: 'tools/list', params: { _meta: { progressToken: 1.5 } } })).toMatchObject({
      error: { code: -32602, message: expect.stringMatching(/^Invalid params for tools\/list: params\._meta\.progressToken: [^\n]*$/) },
    });
    expect(await lines.request({ id: 'extra', method: 'ping', extra: true })).toMatchObject({ id: 'extra', error: { code: -32600 } });
    lines.write({ method: 'notifications/cancelled', params: { _meta: 'bad', requestId: 1 } });
    lines.stdin.write('not json at all\n');
    expect(await lines.request({ id: 'ok', method: 'tools/list' })).toMatchObject({ id: 'ok', result: { tools: [{ name: 'job' }] } });
  });
});
