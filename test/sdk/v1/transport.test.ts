import { afterEach, describe, expect, it, vi } from 'vitest';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCErrorResponseSchema, JSONRPCResultResponseSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { wrapTransport } from '../../../src/sdk/v1/transport.js';
import type { ConnectionListener } from '../../../src/session/ServerHost.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../../support/harness.js';

/** A transport that records what it sends; messages are pushed into it by the test. */
function fakeTransport(): Transport & { sent: JSONRPCMessage[] } {
  const sent: JSONRPCMessage[] = [];
  return { sent, start: async () => {}, close: async () => {}, send: async (message) => void sent.push(message) };
}

const listener: ConnectionListener = { opened: () => {}, closed: () => {}, response: () => false };

afterEach(() => vi.restoreAllMocks());

describe('SDK v1 transport wrapper: requests go to the SDK without its message sorting', () => {
  it('hands a valid request to the request entry, refuses a malformed one, and leaves everything else to onmessage', () => {
    const inner = fakeTransport();
    const entry = vi.fn();
    const outer = wrapTransport(inner, listener, { request: entry, cancelled: () => {}, closed: () => {} });
    const onmessage = vi.fn();
    outer.onmessage = onmessage;
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list', params: {} };
    inner.onmessage!(request);
    expect(entry).toHaveBeenCalledWith(request, undefined);
    expect(onmessage).not.toHaveBeenCalled();
    // A request the SDK's schema refuses is answered here, and reaches neither.
    inner.onmessage!({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: [] } as unknown as JSONRPCMessage);
    expect(inner.sent).toMatchObject([{ id: 2, error: { code: -32602 } }]);
    const notification = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
    inner.onmessage!(notification);
    expect(onmessage).toHaveBeenCalledWith(notification, undefined);
    expect(entry).toHaveBeenCalledTimes(1);
  });

  it('without a request entry (an SDK that has none), or before the SDK connected, requests take onmessage as before', () => {
    const inner = fakeTransport();
    const outer = wrapTransport(inner, listener);
    const onmessage = vi.fn();
    outer.onmessage = onmessage;
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'ping' };
    inner.onmessage!(request);
    expect(onmessage).toHaveBeenCalledWith(request, undefined);
    const entry = vi.fn();
    const unconnected = fakeTransport();
    wrapTransport(unconnected, listener, { request: entry, cancelled: () => {}, closed: () => {} });
    unconnected.onmessage!(request);
    expect(entry).not.toHaveBeenCalled();
  });

  it("tells the router of the client's cancellations (the SDK still gets them) and of the close", () => {
    const inner = fakeTransport();
    const router = { request: vi.fn(), cancelled: vi.fn(), closed: vi.fn() };
    const outer = wrapTransport(inner, listener, router);
    const onmessage = vi.fn();
    outer.onmessage = onmessage;
    const cancel = { jsonrpc: '2.0' as const, method: 'notifications/cancelled', params: { requestId: 3, reason: 'no longer needed' } };
    inner.onmessage!(cancel);
    expect(router.cancelled).toHaveBeenCalledWith(3, 'no longer needed');
    expect(onmessage).toHaveBeenCalledWith(cancel, undefined);
    // One without a usable request id is the SDK's alone.
    inner.onmessage!({ jsonrpc: '2.0', method: 'notifications/cancelled', params: {} });
    inner.onmessage!({ jsonrpc: '2.0', method: 'notifications/cancelled' });
    expect(router.cancelled).toHaveBeenCalledTimes(1);
    // What no schema checked (a transport of the user's own) reaches the SDK, which reports it, and throws nothing here.
    expect(() => inner.onmessage!('not a message' as unknown as JSONRPCMessage)).not.toThrow();
    expect(() => inner.onmessage!(null as unknown as JSONRPCMessage)).not.toThrow();
    expect(onmessage).toHaveBeenLastCalledWith(null, undefined);
    inner.onclose!();
    expect(router.closed).toHaveBeenCalledTimes(1);
  });

  it('over a real connection, a tasks/result the client gives up on stops waiting and gets no answer', async () => {
    const tasks = testTaskSupport();
    let serverTransport: Transport | undefined;
    const session = await connectInMemory(tasks, (server: McpServer) => {
      tasks.registerTool(
        server,
        'hang',
        { taskSupport: 'required' },
        (_args, task) => new Promise((resolve) => task.signal.addEventListener('abort', () => resolve({ content: [] }))),
      );
      const connect = server.connect.bind(server);
      server.connect = (transport: Transport) => connect((serverTransport = transport));
    });
    const send = vi.spyOn(serverTransport!, 'send');
    const task = await createTask(session.client, 'hang', {});
    const attached = (): number =>
      (tasks as unknown as { engine: { live: Map<string, { attached: number }> } }).engine.live.get(task.taskId)?.attached ?? 0;
    const abort = new AbortController();
    const waiting = taskResult(session.client, task.taskId, { signal: abort.signal }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(attached()).toBe(1));
    const resultCall = send.mock.calls.length;
    abort.abort('user left');
    expect(await waiting).toMatchObject({ message: expect.stringContaining('user left') as unknown });
    await vi.waitFor(() => expect(attached()).toBe(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(send.mock.calls.slice(resultCall)).toEqual([]);
    await session.close();
    await tasks.close();
  });

  it('over a real connection, no request the server gets is tried on the response schemas', async () => {
    const tasks = testTaskSupport();
    const session = await connectInMemory(tasks, (server: McpServer) => {
      tasks.registerTool(server, 'echo', { taskSupport: 'optional' }, () => ({ content: [{ type: 'text', text: 'hi' }] }));
    });
    const result = vi.spyOn(JSONRPCResultResponseSchema, 'safeParse');
    const error = vi.spyOn(JSONRPCErrorResponseSchema, 'safeParse');
    const task = await createTask(session.client, 'echo', {});
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(await session.client.callTool({ name: 'echo', arguments: {} })).toMatchObject({ content: [{ text: 'hi' }] });
    // The client's side still sorts the responses it gets; the server's side got requests only.
    const tried = [...result.mock.calls, ...error.mock.calls].map(([message]) => message);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.filter((m) => typeof m === 'object' && m !== null && 'method' in m && 'id' in m)).toEqual([]);
    await session.close();
    await tasks.close();
  });
});
