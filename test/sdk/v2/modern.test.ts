/**
 * The tasks extension (SEP-2663) in the 2026-07-28 era on an SDK v2 server, against the SDK v2 client:
 * a stateless `createMcpHandler` server (a new McpServer per HTTP request, TaskSupport outside it) over
 * real HTTP. Where the v2 `Client` refuses an answer (`resultType: "task"`), the request goes through
 * the v2 client's own Streamable HTTP transport (rawModernRequest) and is read raw.
 */
import { MissingRequiredClientCapabilityError } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { TASKS_EXTENSION, modernClient, rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const anyResult = z.looseObject({});
/** What an extension client with elicitation declares per request. */
const withElicitation = { elicitation: { form: {} }, extensions: { [TASKS_EXTENSION]: {} } };

/** Resolves `release` to let the `slow` tool finish. */
let release: () => void = () => {};

function tools(tasks: TaskSupport) {
  return (server: McpServer): void => {
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    tasks.registerTool(server, 'quick', { taskSupport: 'optional', inputSchema: { n: z.number() } }, async ({ n }) => ({
      content: [{ type: 'text', text: `n=${n}` }],
    }));
    tasks.registerTool(server, 'slow', { taskSupport: 'optional' }, async (_args, task) => {
      await new Promise<void>((resolve, reject) => {
        release = resolve;
        task.signal.addEventListener('abort', () => reject(task.signal.reason as Error), { once: true });
      });
      return { content: [{ type: 'text', text: 'slow done' }] };
    });
    tasks.registerTool(server, 'broken', { taskSupport: 'required' }, async () => {
      // A JSON-RPC error from the work (v2's own error class) fails the task with that error.
      throw new ProtocolError(-32603, 'backend unavailable', { retryAfterMs: 1000 });
    });
    tasks.registerTool(server, 'approve', { taskSupport: 'required', inputSchema: { item: z.string() } }, async ({ item }, task) => {
      const answer = await task.elicit({
        message: `Approve ${item}?`,
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      });
      return { content: [{ type: 'text', text: `${item}: ${answer.action} ${JSON.stringify(answer.content)}` }] };
    });
  };
}

async function setUp(): Promise<{ url: URL; tasks: TaskSupport; client: Client; plain: Client }> {
  const tasks = TaskSupport.inMemory({ promoteAfter: 150 });
  cleanups.push(() => tasks.close());
  const server = await statelessV2Server(tasks, tools(tasks));
  cleanups.push(() => server.close());
  const client = await modernClient(server.url, true);
  cleanups.push(() => client.close());
  const plain = await modernClient(server.url, false);
  cleanups.push(() => plain.close());
  return { url: server.url, tasks, client, plain };
}

function getTask(client: Client, taskId: string): Promise<Record<string, unknown>> {
  return client.request({ method: 'tasks/get', params: { taskId } }, anyResult);
}

/** Polls tasks/get (as a client would, without the poll interval: the work is immediate) until `done` holds. */
async function pollTask(
  client: Client,
  taskId: string,
  done: (task: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const task = await getTask(client, taskId);
    if (done(task)) return task;
  }
  throw new Error(`task ${taskId} never reached the expected state`);
}

describe('SDK v2 server, 2026-07-28 era, stateless HTTP', () => {
  test('server/discover advertises the extension; tools/list lists task tools beside the server’s own', async () => {
    const { client } = await setUp();
    expect(client.getServerCapabilities()?.extensions).toEqual({ [TASKS_EXTENSION]: {} });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(['echo', 'quick', 'slow', 'broken', 'approve']);
  });

  test('a plain tool of the McpServer and an optional task tool answer inline', async () => {
    const { client, plain } = await setUp();
    expect((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    // Inline for an extension client (it finished before promoteAfter) and for one without the extension.
    expect((await client.callTool({ name: 'quick', arguments: { n: 3 } })).content).toEqual([{ type: 'text', text: 'n=3' }]);
    expect((await plain.callTool({ name: 'quick', arguments: { n: 4 } })).content).toEqual([{ type: 'text', text: 'n=4' }]);
  });

  test('a required task tool answers -32021 with requiredCapabilities to a client without the extension, as do tasks/*', async () => {
    const { url, plain } = await setUp();
    const error = await plain.callTool({ name: 'approve', arguments: { item: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingRequiredClientCapabilityError);
    expect(error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } });
    // Over HTTP v2 sends an error a handler threw with HTTP 200 (its own refusals, like -32601 below, with a 4xx status): pinned, see docs/protocols.md.
    const raw = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: { item: 'x' } }, {});
    expect(raw).toMatchObject({ error: { code: -32021, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } } });
    expect(raw.httpStatus).toBeUndefined();
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const refused = await plain.request({ method, params: { taskId: 'nope' } }, anyResult).catch((e: unknown) => e);
      expect(refused, method).toMatchObject({ code: -32021 });
    }
  });

  test('full flow: resultType "task", input through tasks/get inputRequests and tasks/update, result in tasks/get', async () => {
    const { url, client } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: { item: 'invoice' } }, withElicitation);
    expect(created.result).toMatchObject({
      resultType: 'task',
      status: 'working',
      ttlMs: expect.any(Number),
      pollIntervalMs: expect.any(Number),
    });
    const taskId = created.result!['taskId'] as string;

    const waiting = await pollTask(client, taskId, (task) => task['status'] !== 'working');
    expect(waiting['status']).toBe('input_required');
    const requests = waiting['inputRequests'] as Record<string, { method: string; params: { message: string } }>;
    const [key, request] = Object.entries(requests)[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Approve invoice?' } });

    const ack = await client.request(
      { method: 'tasks/update', params: { taskId, inputResponses: { [key]: { action: 'accept', content: { ok: true } } } } },
      anyResult,
    );
    expect(Object.keys(ack).filter((k) => k !== '_meta')).toEqual([]);
    const task = await pollTask(client, taskId, (t) => t['status'] !== 'input_required' && t['status'] !== 'working');
    expect(task).toMatchObject({
      taskId,
      status: 'completed',
      result: { content: [{ type: 'text', text: 'invoice: accept {"ok":true}' }] },
    });
  });

  test('an optional tool still running after promoteAfter is handed out as a task; cancel acks and the task ends cancelled', async () => {
    const { url, client } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'slow', arguments: {} });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = created.result!['taskId'] as string;
    expect(await getTask(client, taskId)).toMatchObject({ status: 'working' });
    const ack = await client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult);
    expect(Object.keys(ack).filter((k) => k !== '_meta')).toEqual([]);
    expect(await getTask(client, taskId)).toMatchObject({ taskId, status: 'cancelled' });
    release();
  });

  test('tasks/result and tasks/list do not exist in the 2026-07-28 era: the v2 client will not send them, the server answers -32601', async () => {
    const { url, client } = await setUp();
    // (It throws synchronously from request(), before anything is sent.)
    await expect(async () => client.request({ method: 'tasks/result', params: { taskId: 'x' } }, anyResult)).rejects.toThrow(
      /not supported by the negotiated protocol version/,
    );
    const result = await rawModernRequest(url, 'tasks/result', { taskId: 'x' });
    expect(result).toMatchObject({ error: { code: -32601 } });
    expect(result.httpStatus).toBeGreaterThanOrEqual(400);
    expect((await rawModernRequest(url, 'tasks/list', {})).error).toMatchObject({ code: -32601 });
  });

  test('v2 checks the Mcp-Name header of tasks/* against params.taskId before any handler runs (HTTP 400, -32020)', async () => {
    const { url } = await setUp();
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tasks/get',
      params: {
        taskId: 'task-a',
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
        },
      },
    };
    const post = (name: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tasks/get',
          'mcp-name': name,
        },
        body: JSON.stringify(body),
      });
    const mismatched = await post('task-b');
    expect(mismatched.status).toBe(400);
    expect(await mismatched.json()).toMatchObject({ error: { code: -32020 } });
    // With the matching header the request reaches the handler: an unknown task is -32602.
    const matching = await post('task-a');
    const text = await matching.text();
    expect(text).toContain('-32602');
  });

  test('a task whose work throws a JSON-RPC error is failed, with the error in tasks/get', async () => {
    const { url, client } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'broken', arguments: {} });
    const taskId = created.result!['taskId'] as string;
    const task = await pollTask(client, taskId, (t) => t['status'] !== 'working');
    expect(task).toMatchObject({ status: 'failed', error: { code: -32603, message: 'backend unavailable', data: { retryAfterMs: 1000 } } });
  });

  test('a failed work shows in tasks/get; an unknown task id is -32602', async () => {
    const { url, client } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: { item: 'y' } });
    // Declared the extension but not elicitation: the work's elicit fails, the task carries the error result.
    const taskId = created.result!['taskId'] as string;
    const task = await pollTask(client, taskId, (t) => t['status'] !== 'working');
    expect(task).toMatchObject({ status: 'completed', result: { isError: true } });
    await expect(getTask(client, 'no-such-task')).rejects.toMatchObject({ code: -32602 });
  });
});
