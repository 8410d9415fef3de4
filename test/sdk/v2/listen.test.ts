import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it, vi } from 'vitest';
import { listenToConnections } from '../../../src/sdk/v2/host.js';
import type { V2LowServer, V2Transport } from '../../../src/sdk/v2/internals.js';
import { requestEntry } from '../../../src/sdk/v2/internals.js';
import type { ConnectionListener } from '../../../src/session/ServerHost.js';

const listener: ConnectionListener = { opened: () => {}, closed: () => {}, response: () => false };

/** A transport that records what it sends. */
function transport(onmessage?: V2Transport['onmessage']): V2Transport & { sent: unknown[] } {
  const sent: unknown[] = [];
  return { sent, onmessage, start: async () => {}, close: async () => {}, send: async (message) => void sent.push(message) };
}

/** The members of a v2 Server that listenToConnections uses: its connect sets a sorting onmessage, as v2's does. */
function fakeServer() {
  const sorter = vi.fn();
  const onrequest = vi.fn();
  const server = {
    _onrequest: onrequest,
    connect: async (t: V2Transport) => {
      t.onmessage = sorter;
    },
  } as unknown as V2LowServer;
  return { server, sorter, onrequest };
}

describe('SDK v2 connections: requests go to the request entry without v2 sorting them', () => {
  it('hands a surely valid request to _onrequest; answers one v2 would drop unanswered; anything else to v2’s onmessage', async () => {
    const { server, sorter, onrequest } = fakeServer();
    listenToConnections(server, listener);
    const t = transport();
    await server.connect(t);
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    t.onmessage!(request, { x: 1 });
    expect(onrequest).toHaveBeenCalledWith(request, { x: 1 });
    expect(sorter).not.toHaveBeenCalled();
    const odd = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: [] };
    const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
    t.onmessage!(odd);
    t.onmessage!(notification);
    // v2's schema refuses `params: []`: passed on, it was dropped with no answer (the caller hung).
    expect(t.sent).toMatchObject([{ id: 2, error: { code: -32602 } }]);
    expect(sorter.mock.calls.map(([m]: unknown[]) => m)).toEqual([notification]);
    expect(onrequest).toHaveBeenCalledTimes(1);
  });

  it('keeps every message on v2’s onmessage when the transport had a handler of its own before connect', async () => {
    const { server, sorter, onrequest } = fakeServer();
    listenToConnections(server, listener);
    const t = transport(() => {});
    await server.connect(t);
    t.onmessage!({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(sorter).toHaveBeenCalledTimes(1);
    expect(onrequest).not.toHaveBeenCalled();
  });

  it('pins v2’s request entry: it answers through the connected transport', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const entry = requestEntry(server.server);
    expect(entry).toBeTypeOf('function');
    const t = transport();
    await server.server.connect(t as never);
    entry!({ jsonrpc: '2.0', id: 7, method: 'ping' });
    await vi.waitFor(() => expect(t.sent).toEqual([{ jsonrpc: '2.0', id: 7, result: {} }]));
    expect(requestEntry({})).toBeUndefined();
  });
});
