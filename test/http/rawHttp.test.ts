/**
 * The test helper `raw()` over a kept-alive connection. Node's default agent keeps sockets alive, so
 * every raw() to one server goes over the same socket; raw() added an 'error' listener to that
 * socket per request and never took it off, and a test making 11 requests to one host (the session
 * cap tests make hundreds) printed "MaxListenersExceededWarning: 11 error listeners added to
 * [Socket]".
 */
import type { ClientRequest } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { raw } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A `node:http` server that answers every request with `status`. */
async function answering(status: number) {
  let connections = 0;
  const http = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  http.on('connection', () => void (connections += 1));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const host = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { host, url: `http://${host}/mcp`, connections: () => connections };
}

/** The client sockets that requests to `host` went out on (Node's `http.client.request.start` channel). */
function clientSockets(host: string): Set<Socket> {
  const sockets = new Set<Socket>();
  const onStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    if (request.getHeader('host') !== host) return;
    // Published once the request is being sent: by then it has its socket, or gets it next.
    if (request.socket) sockets.add(request.socket);
    else request.once('socket', (socket: Socket) => void sockets.add(socket));
  };
  subscribe('http.client.request.start', onStart);
  cleanups.push(async () => void unsubscribe('http.client.request.start', onStart));
  return sockets;
}

/** The process warnings named `name` emitted until the test's cleanup. */
function warningsNamed(name: string): Error[] {
  const seen: Error[] = [];
  const onWarning = (warning: Error): void => void (warning.name === name && seen.push(warning));
  process.on('warning', onWarning);
  cleanups.push(async () => void process.off('warning', onWarning));
  return seen;
}

describe('raw() over a kept-alive connection', () => {
  it("leaves one socket's 'error' listeners bounded however many requests go over it, and no MaxListenersExceededWarning", async () => {
    const { host, url, connections } = await answering(200);
    const sockets = clientSockets(host);
    const warnings = warningsNamed('MaxListenersExceededWarning');

    for (let i = 0; i < 25; i++) expect((await raw(url, 'POST', '{}')).status).toBe(200);

    // All 25 went over one socket (else there would be nothing to pile up on).
    expect(connections()).toBe(1);
    expect(sockets.size).toBe(1);
    const [socket] = [...sockets];
    expect(warnings).toEqual([]);
    // At most raw()'s listener for the request just done and Node's own (the request's or the pool's).
    expect(socket!.listenerCount('error')).toBeLessThanOrEqual(2);
  });
});
