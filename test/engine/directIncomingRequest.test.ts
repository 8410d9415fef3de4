import { describe, expect, it } from 'vitest';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DirectRequests } from '../../src/sdk/v1/DirectRequests.js';
import type { IncomingRequest } from '../../src/session/ServerHost.js';
import { deferred } from '../support/harness.js';

// The request object DirectRequests hands a handler (issue 14: made from a class with one shared
// `signal` descriptor, not an object literal with a getter, which V8 makes in dictionary mode).
// It must stay what the literal was: the same keys in the same order, a `signal` made only when
// read, and a spread `{ ...request, params }` (ServerHost.ts) that still carries that signal.

async function serving(): Promise<{ seen: IncomingRequest[]; route: (id: number) => void; cancel: (id: number, why: string) => void }> {
  const server = new Server({ name: 's', version: '1' }, { capabilities: { tools: {}, tasks: { list: {}, cancel: {} } } });
  server.setRequestHandler(z.object({ method: z.literal('tasks/get'), params: z.unknown().optional() }), () =>
    Promise.reject(new Error('SDK entry')),
  );
  const held = deferred<Record<string, unknown>>();
  const seen: IncomingRequest[] = [];
  const direct = new DirectRequests(server);
  direct.add('tasks/get', (request) => {
    seen.push(request);
    return held.promise;
  });
  const transport: Transport = {
    sessionId: 'session-1',
    start: async () => {},
    close: async () => {},
    send: async (_: JSONRPCMessage) => {},
  };
  await server.connect(transport);
  const router = direct.router(transport, () => {});
  const route = (id: number): void =>
    router.request({ jsonrpc: '2.0', id, method: 'tasks/get', params: { taskId: `t${id}` } } as JSONRPCRequest, undefined);
  return { seen, route, cancel: (id, why) => router.cancelled(id, why) };
}

describe('the request DirectRequests hands a handler', () => {
  it('has the keys of the request object, in order, each with its value', async () => {
    const { seen, route } = await serving();
    route(1);
    const [request] = seen;
    expect(Object.keys(request!)).toEqual(['method', 'params', 'id', 'signal', 'caller', 'stream', 'native']);
    expect(request).toMatchObject({ method: 'tasks/get', params: { taskId: 't1' }, id: 1, caller: { sessionId: 'session-1' } });
    expect(request!.stream).toBe(request!.native);
  });

  it('reads its signal from its own call, once, and a spread with other params carries that signal', async () => {
    const { seen, route, cancel } = await serving();
    route(1);
    route(2);
    const [first, second] = seen;
    const spread = { ...first!, params: { taskId: 'other' } };
    expect(spread.signal).toBe(first!.signal);
    expect(spread.signal).not.toBe(second!.signal);
    expect(spread.native).toBe(first!.native);
    cancel(1, 'changed my mind');
    expect([first!.signal.aborted, first!.signal.reason]).toEqual([true, 'changed my mind']);
    expect(second!.signal.aborted).toBe(false);
  });
});
