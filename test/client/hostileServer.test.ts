/**
 * `TasksExtensionClient` against a broken or hostile server: a scripted JSON-RPC peer on the SDK's
 * in-memory transport answers `tools/call` and `tasks/*` however a test wants, behind a real SDK v1
 * `Client`. What the helper must still do: poll at a sane pace, never take another task's answer for
 * this one's, bound the input handlers it starts, and cancel a task nobody will wait for.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TasksExtensionClient } from '../../src/client/index.js';
import { deferred, eventually, sleep } from '../support/harness.js';

type Params = Record<string, unknown>;
/** Answers a request's `result`; `undefined` leaves it unanswered. */
type Script = (method: string, params: Params) => Params | undefined;

interface Scripted {
  client: Client;
  /** Every request the client sent, in order (initialize excluded). */
  requests: { method: string; params: Params }[];
}

const clients: Client[] = [];
afterEach(async () => {
  while (clients.length > 0) await clients.pop()!.close();
});

async function scripted(script: Script): Promise<Scripted> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const requests: Scripted['requests'] = [];
  serverSide.onmessage = (message: JSONRPCMessage) => {
    if (!('method' in message) || !('id' in message)) return;
    const params = (message.params ?? {}) as Params;
    const result =
      message.method === 'initialize'
        ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } }
        : (requests.push({ method: message.method, params }), script(message.method, params));
    if (result) void serverSide.send({ jsonrpc: '2.0', id: message.id, result });
  };
  await serverSide.start();
  const client = new Client({ name: 'hostile-server-test', version: '1' });
  await client.connect(clientSide);
  clients.push(client);
  return { client, requests };
}

const at = new Date().toISOString();
function task(taskId: string, status: string, extra: Params = {}): Params {
  return { taskId, status, createdAt: at, lastUpdatedAt: at, ttlMs: 60_000, ...extra };
}
const created = (extra: Params = {}): Params => ({ resultType: 'task', ...task('t-1', 'working', { pollIntervalMs: 10, ...extra }) });
const count = (s: Scripted, method: string): number => s.requests.filter((r) => r.method === method).length;

describe('TasksExtensionClient against a hostile server', () => {
  it.each([
    ['beyond setTimeout (2^40 ms)', 2 ** 40, 2],
    ['negative', -1, 45],
    ['zero', 0, 45],
  ])('keeps polling at a sane pace when the server suggests a poll interval %s', async (_name, suggested, most) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on('warning', onWarning);
    const s = await scripted((method) => {
      if (method === 'tools/call') return created();
      if (method === 'tasks/get') return task('t-1', 'working', { pollIntervalMs: suggested });
      return {};
    });
    const abort = new AbortController();
    const call = new TasksExtensionClient(s.client).callTool({ name: 'x' }, { signal: abort.signal });
    const settled = call.catch((error: unknown) => error);
    try {
      await sleep(400);
      // Floored at 10 ms, and never past setTimeout's range (which fires after 1 ms instead).
      expect(count(s, 'tasks/get')).toBeGreaterThanOrEqual(1);
      expect(count(s, 'tasks/get')).toBeLessThanOrEqual(most);
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      abort.abort(new Error('test over'));
      expect(await settled).toMatchObject({ message: 'test over' });
    }
  });

  it("rejects when tasks/get answers another task, instead of resolving with that task's result, and cancels its own", async () => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return created();
      if (method === 'tasks/get') return task('t-other', 'completed', { result: { content: [{ type: 'text', text: 'not yours' }] } });
      return {};
    });
    const error = await new TasksExtensionClient(s.client).callTool({ name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining('answered task "t-other"') as string });
    expect(s.requests.filter((r) => r.method === 'tasks/cancel').map((r) => r.params['taskId'])).toEqual(['t-1']);
  });

  it('hands at most maxConcurrentInputs of a huge inputRequests map to the handler at once, answers each key once, and then gets the result', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const answered = new Set<string>();
    const elicit = { method: 'elicitation/create', params: { message: 'ok?', requestedSchema: { type: 'object', properties: {} } } };
    const s = await scripted((method, params) => {
      if (method === 'tools/call') return created({ status: 'input_required' });
      if (method === 'tasks/update') {
        for (const key of Object.keys(params['inputResponses'] as Params)) answered.add(key);
        return {};
      }
      if (method !== 'tasks/get') return {};
      const open = keys.filter((k) => !answered.has(k));
      if (open.length === 0) return task('t-1', 'completed', { result: { content: [{ type: 'text', text: 'all answered' }] } });
      // Every outstanding request, every poll (as a server does until it has the answer).
      return task('t-1', 'input_required', { pollIntervalMs: 10, inputRequests: Object.fromEntries(open.map((k) => [k, elicit])) });
    });
    let running = 0;
    let most = 0;
    let handled = 0;
    const release = deferred();
    const helper = new TasksExtensionClient(s.client, {
      maxConcurrentInputs: 5,
      onElicitation: async () => {
        handled++;
        most = Math.max(most, ++running);
        await release.promise;
        running--;
        return { action: 'accept', content: {} };
      },
    });
    const call = helper.callTool({ name: 'x' });
    await eventually(() => running === 5);
    await sleep(100); // polls go on meanwhile, listing 40 requests each time
    expect(most).toBe(5);
    release.resolve();
    expect(await call).toEqual({ content: [{ type: 'text', text: 'all answered' }] });
    expect(most).toBe(5);
    expect(handled).toBe(40);
    const updates = s.requests.filter((r) => r.method === 'tasks/update').flatMap((r) => Object.keys(r.params['inputResponses'] as Params));
    expect(updates.sort()).toEqual([...keys].sort());
  });

  it("delivers the task's result when a handler fails after the server stopped waiting for its answer", async () => {
    let gaveUp = false;
    const elicit = { method: 'elicitation/create', params: { message: 'ok?', requestedSchema: { type: 'object', properties: {} } } };
    const s = await scripted((method) => {
      if (method === 'tools/call') return created({ status: 'input_required' });
      if (method !== 'tasks/get') return {};
      if (gaveUp) return task('t-1', 'completed', { result: { content: [{ type: 'text', text: 'went on without you' }] } });
      // A long interval: the helper is between polls when the handler fails.
      return task('t-1', 'input_required', { pollIntervalMs: 60_000, inputRequests: { k1: elicit } });
    });
    const helper = new TasksExtensionClient(s.client, {
      onElicitation: async () => {
        gaveUp = true; // the server dismissed the request, and the task finished without it
        throw new Error('the dialog was closed');
      },
    });
    expect(await helper.callTool({ name: 'x' })).toEqual({ content: [{ type: 'text', text: 'went on without you' }] });
    expect(count(s, 'tasks/cancel')).toBe(0);
  });

  it('cancels the task when onTaskCreated throws, since the call then rejects and nobody waits for it', async () => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return created();
      if (method === 'tasks/get') return task('t-1', 'working');
      return {};
    });
    const call = new TasksExtensionClient(s.client).callTool(
      { name: 'x' },
      {
        onTaskCreated: () => {
          throw new Error('could not persist the task id');
        },
      },
    );
    await expect(call).rejects.toThrow('could not persist the task id');
    expect(s.requests.map((r) => r.method)).toEqual(['tools/call', 'tasks/cancel']);
    expect(s.requests[1]!.params['taskId']).toBe('t-1');
  });

  it.each([
    ['', undefined],
    [" and the application's client.onclose throws (SDK v1 then fails no request in flight)", new Error('onclose failed')],
  ])('rejects a call whose tasks/get is in flight when the connection closes, naming its task%s', async (_name, oncloseError) => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return created();
      return undefined; // tasks/get: never answered
    });
    if (oncloseError)
      s.client.onclose = () => {
        throw oncloseError;
      };
    const call = new TasksExtensionClient(s.client).callTool({ name: 'x' });
    const settled = call.catch((error: unknown) => error);
    await eventually(() => count(s, 'tasks/get') === 1);
    const closedAt = Date.now();
    // The application's error comes out of close(), as it does without the helper.
    expect(await s.client.close().catch((error: unknown) => error)).toBe(oncloseError);
    const error = await Promise.race([settled, sleep(1_000).then(() => 'still pending')]);
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: ErrorCode.ConnectionClosed, data: { taskId: 't-1' } });
    // Nothing more was sent: no tasks/cancel can reach the server over a closed connection.
    expect(s.requests.map((r) => r.method)).toEqual(['tools/call', 'tasks/get']);
  });

  it('rejects an aborted call within 5 s when the server never answers its tasks/cancel (the SDK’s 60 s timeout before)', async () => {
    const s = await scripted((method) => {
      if (method === 'tools/call') return created();
      if (method === 'tasks/get') return task('t-1', 'working', { pollIntervalMs: 10 });
      return undefined; // tasks/cancel: never answered
    });
    const abort = new AbortController();
    const call = new TasksExtensionClient(s.client).callTool({ name: 'x' }, { signal: abort.signal });
    const settled = call.catch((error: unknown) => error);
    await eventually(() => count(s, 'tasks/get') >= 1);
    const aborted = Date.now();
    abort.abort(new Error('no longer needed'));
    expect(await settled).toMatchObject({ message: 'no longer needed' });
    expect(Date.now() - aborted).toBeLessThan(8_000);
    expect(count(s, 'tasks/cancel')).toBe(1);
  }, 20_000);
});
