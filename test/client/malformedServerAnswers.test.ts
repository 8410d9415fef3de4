/**
 * `TasksExtensionClient` against a server whose answers do not match the extension's shapes: a
 * scripted JSON-RPC peer on the SDK's in-memory transport, behind a real SDK v1 `Client`. The call
 * must reject with one readable `McpError` that names the request and the task (the SDK hands on
 * the bare zod error, its issues as pretty-printed JSON), and cancel a task nobody will follow.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TasksExtensionClient } from '../../src/client/index.js';

type Params = Record<string, unknown>;
/** Answers a request's `result`. */
type Script = (method: string, params: Params) => Params;

const clients: Client[] = [];
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
});

/** A real SDK client on a scripted server; resolves with it and the methods (and task ids) it sent. */
async function scripted(script: Script): Promise<{ client: Client; sent: string[] }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const sent: string[] = [];
  serverSide.onmessage = (message: JSONRPCMessage) => {
    if (!('method' in message) || !('id' in message)) return;
    const params = (message.params ?? {}) as Params;
    if (message.method !== 'initialize')
      sent.push(`${message.method}${params['taskId'] === undefined ? '' : ` ${String(params['taskId'])}`}`);
    const result =
      message.method === 'initialize'
        ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'malformed', version: '1' } }
        : script(message.method, params);
    void serverSide.send({ jsonrpc: '2.0', id: message.id, result });
  };
  await serverSide.start();
  const client = new Client({ name: 'malformed-answers-test', version: '1' });
  await client.connect(clientSide);
  clients.push(client);
  return { client, sent };
}

const at = new Date().toISOString();
function task(taskId: unknown, status: unknown, extra: Params = {}): Params {
  return { taskId, status, createdAt: at, lastUpdatedAt: at, ttlMs: 60_000, pollIntervalMs: 10, ...extra };
}

/** The call's rejection, checked to be one readable McpError (no JSON of zod issues in it). */
async function rejection(call: Promise<unknown>): Promise<McpError> {
  const error = await call.then(
    (result) => new Error(`resolved: ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  const mcp = error as McpError;
  expect(mcp.code).toBe(ErrorCode.InternalError);
  expect(mcp.message).not.toContain('\n');
  return mcp;
}

describe('TasksExtensionClient against a server whose answers are malformed', () => {
  it('rejects a CreateTaskResult of an unknown status with a readable error, and cancels the task it names', async () => {
    const s = await scripted((method) => (method === 'tools/call' ? { resultType: 'task', ...task('t-1', 'running') } : {}));
    const error = await rejection(new TasksExtensionClient(s.client).callTool({ name: 'x' }));
    expect(error.message).toContain('Invalid answer from the server to tools/call (a CreateTaskResult): status: Invalid option');
    expect(error.data).toEqual({ taskId: 't-1' });
    // The server made a task: nobody will follow it, so it must not run on.
    expect(s.sent).toEqual(['tools/call', 'tasks/cancel t-1']);
  });

  it('rejects a CreateTaskResult without a task readably, and sends nothing more (there is no task id to cancel)', async () => {
    const s = await scripted((method) => (method === 'tools/call' ? { resultType: 'task', taskId: 42 } : {}));
    const error = await rejection(new TasksExtensionClient(s.client).callTool({ name: 'x' }));
    expect(error.message).toContain('taskId: Invalid input: expected string, received number');
    expect(error.message).toContain('ttlMs: Invalid input');
    expect(error.data).toBeUndefined();
    expect(s.sent).toEqual(['tools/call']);
  });

  it('rejects a tools/call answer whose resultType is no string as unsupported', async () => {
    const s = await scripted((method) => (method === 'tools/call' ? { resultType: 5, content: [] } : {}));
    const error = await rejection(new TasksExtensionClient(s.client).callTool({ name: 'x' }));
    expect(error.message).toContain('Unsupported resultType 5 for tools/call');
  });

  it('rejects a tasks/get answer of an unknown status naming the task, and cancels it', async () => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return { resultType: 'task', ...task('t-1', 'working') };
      if (method === 'tasks/get') return task('t-1', 'paused');
      return {};
    });
    const error = await rejection(new TasksExtensionClient(s.client).callTool({ name: 'x' }));
    expect(error.message).toContain('Invalid answer from the server to tasks/get of task t-1: status: Invalid discriminator value');
    expect(error.data).toEqual({ taskId: 't-1' });
    expect(s.sent).toEqual(['tools/call', 'tasks/get t-1', 'tasks/cancel t-1']);
  });

  it('rejects a completed task whose result is no CallToolResult readably, and does not cancel a task that is over', async () => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return { resultType: 'task', ...task('t-1', 'working') };
      if (method === 'tasks/get') return task('t-1', 'completed', { result: { content: 'not a list' } });
      return {};
    });
    const error = await rejection(new TasksExtensionClient(s.client).callTool({ name: 'x' }));
    expect(error.message).toContain('tasks/get of task t-1 (its result): content: Invalid input: expected array, received string');
    expect(s.sent).toEqual(['tools/call', 'tasks/get t-1']);
  });

  it('rejects an elicitation input request with malformed params readably, without calling the handler, and cancels the task', async () => {
    let handled = 0;
    const s = await scripted((method) => {
      if (method === 'tools/call') return { resultType: 'task', ...task('t-1', 'input_required') };
      if (method === 'tasks/get')
        return task('t-1', 'input_required', { inputRequests: { k1: { method: 'elicitation/create', params: { message: 5 } } } });
      return {};
    });
    const helper = new TasksExtensionClient(s.client, {
      onElicitation: () => {
        handled++;
        return { action: 'decline' };
      },
    });
    const error = await rejection(helper.callTool({ name: 'x' }));
    expect(error.message).toContain('tasks/get of task t-1 (its input request k1): params');
    expect(handled).toBe(0);
    expect(s.sent.at(-1)).toBe('tasks/cancel t-1');
  });
});
