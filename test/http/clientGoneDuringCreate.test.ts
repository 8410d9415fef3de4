/**
 * McpHttpHost when a client sends a whole request and leaves while an async `createServer` is still
 * making its server. Before: a stateless request's server was never closed (its response's 'close'
 * had fired before the host listened for it, and no other would come), and an initialize opened a
 * session nobody knew the id of, holding its server and session slot until idle expiry (30 minutes
 * by default).
 */
import { connect as connectTcp } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { countingCloses } from '../support/counting.js';
import { eventually } from '../support/harness.js';
import { initializeBody, raw } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const toolCall = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } });

/** Resolves once the client's connection of `request` has closed. */
function clientGone(request: IncomingMessage): Promise<void> {
  const socket = request.socket;
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A listening host whose `createServer` returns only after the requesting client has left. */
async function hostOutwaitingItsClients(sessions: boolean) {
  const servers = { created: 0, closed: 0 };
  const host = new McpHttpHost({
    sessions,
    createServer: async ({ request }) => {
      await clientGone(request);
      servers.created += 1;
      const server = new McpServer({ name: 'client-gone', version: '1' });
      server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      return countingCloses(server, servers);
    },
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url, servers };
}

/** Sends `body` whole, then closes the connection without reading any answer. */
function sendAndLeave(url: string, body: string): void {
  const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n' +
      `Content-Type: application/json\r\nMcp-Protocol-Version: 2025-11-25\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

describe('McpHttpHost: a client that leaves while createServer runs', () => {
  it('stateless: the server made for it is closed', async () => {
    const { url, servers } = await hostOutwaitingItsClients(false);
    sendAndLeave(url, initializeBody);
    sendAndLeave(url, toolCall);
    await eventually(() => servers.created === 2);
    await eventually(() => servers.closed === 2, 2000);
    expect(servers).toEqual({ created: 2, closed: 2 });
  });

  it('with sessions: no session is opened, its server is closed, and its slot is free for the next client', async () => {
    const { host, url, servers } = await hostOutwaitingItsClients(true);
    sendAndLeave(url, initializeBody);
    await eventually(() => servers.created === 1);
    await eventually(() => servers.closed === 1, 2000);
    expect(host.sessionCount).toBe(0);
  });

  it('with sessions and maxSessions 1: the slot a leaving client took is given back', async () => {
    const servers = { created: 0, closed: 0 };
    let leaving = true;
    const host = new McpHttpHost({
      maxSessions: 1,
      createServer: async ({ request }) => {
        if (leaving) await clientGone(request);
        servers.created += 1;
        return countingCloses(new McpServer({ name: 'client-gone', version: '1' }), servers);
      },
    });
    const { url } = await host.listen({ port: 0 });
    cleanups.push(() => host.close());
    sendAndLeave(url, initializeBody);
    await eventually(() => servers.closed === 1, 2000);
    leaving = false;
    const next = await raw(url, 'POST', initializeBody);
    expect(next.status).toBe(200);
    expect(host.sessionCount).toBe(1);
  });
});
