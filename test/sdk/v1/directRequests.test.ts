import { afterEach, describe, expect, it, vi } from 'vitest';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DirectRequests } from '../../../src/sdk/v1/DirectRequests.js';
import type { RequestRouter } from '../../../src/sdk/v1/DirectRequests.js';
import { nativeOf } from '../../../src/sdk/v1/request.js';
import type { IncomingRequest, RequestHandler } from '../../../src/session/ServerHost.js';
import { deferred } from '../../support/harness.js';

/** A transport that records what it sends. */
function fakeTransport(sessionId?: string): Transport & { sent: JSONRPCMessage[] } {
  const sent: JSONRPCMessage[] = [];
  return { sent, sessionId, start: async () => {}, close: async () => {}, send: async (message) => void sent.push(message) };
}

/** The lenient schema `ServerHost.handle` installs with (src/sdk/v1/host.ts). */
const lenient = (method: string) => z.object({ method: z.literal(method), params: z.unknown().optional() });

interface Setup {
  server: Server;
  transport: ReturnType<typeof fakeTransport>;
  router: RequestRouter;
  sdkEntry: ReturnType<typeof vi.fn>;
  seen: IncomingRequest[];
}

/**
 * A low-level SDK v1 Server (connected to a recording transport) whose `method` is served by
 * `handler` through DirectRequests, as ServerHost.handle installs it.
 */
async function setup(
  handler: RequestHandler,
  options: { capabilities?: Record<string, unknown>; taskStore?: InMemoryTaskStore; method?: string } = {},
): Promise<Setup> {
  const method = options.method ?? 'tasks/get';
  const server = new Server(
    { name: 's', version: '1' },
    {
      capabilities: { tools: {}, tasks: { list: {}, cancel: {} }, ...options.capabilities },
      ...(options.taskStore && { taskStore: options.taskStore }),
    },
  );
  const seen: IncomingRequest[] = [];
  const serve: RequestHandler = (request) => {
    seen.push(request);
    return handler(request);
  };
  server.setRequestHandler(lenient(method), () => Promise.reject(new Error('the SDK entry served it')));
  const direct = new DirectRequests(server);
  direct.add(method, serve);
  const transport = fakeTransport('session-1');
  await server.connect(transport);
  const sdkEntry = vi.fn();
  return { server, transport, router: direct.router(transport, sdkEntry), sdkEntry, seen };
}

const request = (id: number, params?: Record<string, unknown>, method = 'tasks/get'): JSONRPCRequest =>
  ({ jsonrpc: '2.0', id, method, ...(params && { params }) }) as JSONRPCRequest;

afterEach(() => vi.restoreAllMocks());

describe('SDK v1: the requests of the methods this library installs are served without the SDK request entry', () => {
  it('hands the handler the request, its id and caller, and sends its answer; other methods go to the SDK entry', async () => {
    const s = await setup(async (incoming) => ({ got: incoming.params }));
    const extra: MessageExtraInfo = { authInfo: { token: 't', clientId: 'c', scopes: [] }, requestInfo: { headers: {} } };
    s.router.request(request(1, { taskId: 'x' }), extra);
    await vi.waitFor(() => expect(s.transport.sent).toEqual([{ jsonrpc: '2.0', id: 1, result: { got: { taskId: 'x' } } }]));
    const [incoming] = s.seen;
    expect(incoming).toMatchObject({ method: 'tasks/get', id: 1, params: { taskId: 'x' } });
    expect(incoming!.caller).toEqual({ overHttp: true, sessionId: 'session-1', authInfo: extra.authInfo });
    expect(s.sdkEntry).not.toHaveBeenCalled();
    const other = request(2, undefined, 'ping');
    s.router.request(other, undefined);
    expect(s.sdkEntry).toHaveBeenCalledWith(other, undefined);
  });

  it('answers with the SDK error shape for what the handler throws or rejects with, whatever it is', async () => {
    const errors: unknown[] = [
      new McpError(-32602, 'bad', { why: 1 }),
      new Error('boom'),
      'a string',
      undefined,
      { code: 1.5, message: 7 },
    ];
    let next = 0;
    const s = await setup(() => {
      const error = errors[next++];
      // Half of them thrown synchronously: a handler that is not async must not escape either.
      if (next % 2) throw error;
      return Promise.reject(error);
    });
    for (let id = 1; id <= errors.length; id++) s.router.request(request(id), undefined);
    await vi.waitFor(() => expect(s.transport.sent).toHaveLength(errors.length));
    expect(s.transport.sent.map((m) => (m as { error: unknown }).error)).toEqual([
      { code: -32602, message: 'MCP error -32602: bad', data: { why: 1 } },
      { code: -32603, message: 'boom' },
      { code: -32603, message: 'Internal error' },
      { code: -32603, message: 'Internal error' },
      { code: -32603, message: 'Internal error' },
    ]);
  });

  it('refuses a task-augmented request when the server declared no task support, as the SDK entry does', async () => {
    const s = await setup(async () => ({ ran: true }), { method: 'tools/call' });
    s.router.request(request(1, { name: 't', task: { ttl: 5 } }, 'tools/call'), undefined);
    // Not task metadata as the SDK reads it (ttl no number): the handler decides.
    s.router.request(request(2, { name: 't', task: { ttl: 'x' } }, 'tools/call'), undefined);
    await vi.waitFor(() => expect(s.transport.sent).toHaveLength(2));
    expect(s.transport.sent).toContainEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32603, message: expect.stringMatching(/does not support task creation/) as unknown },
    });
    expect(s.transport.sent).toContainEqual({ jsonrpc: '2.0', id: 2, result: { ran: true } });
    expect(s.seen.map((r) => r.id)).toEqual([2]);
    // Nor does the SDK's extra take that ttl as the requested one.
    expect(nativeOf(s.seen[0]!).extra.taskRequestedTtl).toBeUndefined();
  });

  it('makes the signal on first read; a cancel before or after aborts it with the reason, and nothing more is sent', async () => {
    const held = deferred<Record<string, unknown>>();
    const s = await setup(() => held.promise);
    s.router.request(request(1), undefined);
    s.router.request(request(2), undefined);
    const [first, second] = s.seen;
    const early = first!.signal;
    expect(early.aborted).toBe(false);
    s.router.cancelled(1, 'changed my mind');
    s.router.cancelled(2, 'too late');
    s.router.cancelled(99, 'unknown ids are ignored');
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe('changed my mind');
    expect(second!.signal.aborted).toBe(true);
    expect(second!.signal.reason).toBe('too late');
    // Within a cancelled request: notifications are dropped, requests to the client refused.
    await first!.stream.notify({ method: 'notifications/message', params: { level: 'info', data: 'x' } });
    await expect(first!.stream.request({ method: 'ping' }, z.object({}))).rejects.toThrow('Request was cancelled');
    held.resolve({ late: true });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(s.transport.sent).toEqual([]);
  });

  it('aborts every request in flight when the connection closes and answers none of them', async () => {
    const held = deferred<Record<string, unknown>>();
    const s = await setup(() => held.promise);
    s.router.request(request(1), undefined);
    s.router.request(request(2), undefined);
    const signal = s.seen[0]!.signal;
    s.router.closed();
    expect(signal.aborted).toBe(true);
    expect(s.seen[1]!.signal.aborted).toBe(true);
    held.resolve({});
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(s.transport.sent).toEqual([]);
  });

  it("sends the request's notifications and requests on its own stream, with the related task the client named", async () => {
    const s = await setup(async () => ({}));
    s.router.request(request(4), undefined);
    await s.seen[0]!.stream.notify({ method: 'notifications/progress', params: { progressToken: 1, progress: 1 } });
    expect(s.transport.sent).toContainEqual({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 1, progress: 1 },
    });
    // With a related task, the SDK's own options say so (its notification/request then route by them).
    const notification = vi.spyOn(s.server, 'notification').mockResolvedValue();
    const sent = vi.spyOn(s.server, 'request').mockResolvedValue({ ok: true });
    s.router.request(request(5, { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'task-9' } } }), undefined);
    const stream = s.seen[1]!.stream;
    const progress = { method: 'notifications/progress', params: { progressToken: 1, progress: 2 } } as const;
    await stream.notify(progress);
    expect(notification).toHaveBeenCalledWith(progress, { relatedRequestId: 5, relatedTask: { taskId: 'task-9' } });
    const schema = z.object({ ok: z.boolean() });
    await expect(stream.request({ method: 'ping' }, schema, { timeout: 9 })).resolves.toEqual({ ok: true });
    expect(sent).toHaveBeenCalledWith({ method: 'ping' }, schema, { timeout: 9, relatedRequestId: 5, relatedTask: { taskId: 'task-9' } });
    await s.seen[0]!.stream.request({ method: 'ping' }, schema);
    expect(sent).toHaveBeenLastCalledWith({ method: 'ping' }, schema, { relatedRequestId: 4 });
  });

  it("gives the SDK's own handlers the extra its request entry would have made (an inline tools/call of an McpServer tool)", async () => {
    const s = await setup(async () => ({}), { capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } });
    const extra: MessageExtraInfo = { authInfo: { token: 't', clientId: 'c', scopes: [] }, closeSSEStream: () => {} };
    const meta = { progressToken: 3, 'io.modelcontextprotocol/related-task': { taskId: 'task-9' } };
    s.router.request(request(5, { _meta: meta, task: { ttl: 60 } }), extra);
    const incoming = s.seen[0]!;
    const native = nativeOf(incoming);
    expect(native.request).toEqual({ method: 'tasks/get', params: { _meta: meta, task: { ttl: 60 } } });
    expect(native.extra).toMatchObject({
      sessionId: 'session-1',
      requestId: 5,
      authInfo: extra.authInfo,
      _meta: meta,
      taskId: 'task-9',
      taskRequestedTtl: 60,
      closeSSEStream: extra.closeSSEStream,
    });
    expect(native.extra.signal).toBe(incoming.signal);
    expect(nativeOf(incoming).extra).toBe(native.extra);
    // A protocol that changed the params hands the SDK a copy with them.
    expect(nativeOf({ ...incoming, params: { taskId: 'y' } }).request).toEqual({ method: 'tasks/get', params: { taskId: 'y' } });
  });

  it('reports an answer the transport fails to send to its onerror', async () => {
    const s = await setup(async () => ({}));
    const errors: Error[] = [];
    s.transport.onerror = (error) => errors.push(error);
    s.transport.send = () => Promise.reject(new Error('socket gone'));
    s.router.request(request(1), undefined);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    s.transport.send = () => {
      throw new Error('thrown at once');
    };
    s.router.request(request(2), undefined);
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(errors.map((e) => e.message)).toEqual([
      'Failed to send response: Error: socket gone',
      'Failed to send response: Error: thrown at once',
    ]);
  });

  it('leaves a method to the SDK entry once someone replaced its handler, and everything to it with the SDK tasks configured', async () => {
    const s = await setup(async () => ({}));
    s.server.setRequestHandler(lenient('tasks/get'), async () => ({}));
    const message = request(1);
    s.router.request(message, undefined);
    expect(s.sdkEntry).toHaveBeenCalledWith(message, undefined);
    const withSdkTasks = await setup(async () => ({}), {
      taskStore: new InMemoryTaskStore(),
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    });
    withSdkTasks.router.request(message, undefined);
    expect(withSdkTasks.sdkEntry).toHaveBeenCalledWith(message, undefined);
    expect(withSdkTasks.seen).toEqual([]);
  });
});
