/**
 * McpHttpHost against request lines and bodies any peer can send: request targets that are no URL
 * relative to a base (`//`), and an initialize whose body stalls mid-way while the host closes.
 * Before: `GET //` was answered 500 (`new URL('//', base)` throws), `//x/mcp` was served as the
 * endpoint (read as host `x`, path `/mcp`), `POST http://evil.example/mcp` with a loopback Host
 * header passed the Host check (which reads the header, while HTTP says the target's host wins),
 * and close() waited for a stalled body until Node's request timeout (5 minutes; forever behind an
 * embedding server without one).
 */
import { createServer } from 'node:http';
import { connect as connectTcp } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { countedHost } from '../support/counting.js';
import { initializeBody } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newHost() {
  return countedHost('hostile-requests', {}, { ping: true });
}

async function listening() {
  const made = newHost();
  const { url } = await made.host.listen({ port: 0 });
  cleanups.push(() => made.host.close());
  return { ...made, url };
}

/** A `node:http` server of the test's own in front of the host (as with Express). */
async function embedded() {
  const made = newHost();
  const http = createServer((req, res) => void made.host.handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { ...made, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` };
}

/** Sends `head` (a request line and headers, no blank line) raw; resolves with the answer (`keepAlive`: its head). */
function rawRequest(url: string, head: string, body = '', keepAlive = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => void (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () => resolve(answer));
    // A served request may keep its connection (the SDK answers `connection: keep-alive`): its
    // status line and headers are enough here.
    if (keepAlive) socket.on('data', () => void (answer.includes('\r\n\r\n') && socket.end()));
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\n\r\n${body}`);
  });
}

/** Starts an initialize whose body stops after its first bytes; resolves once the server holds it. */
async function stalledInitialize(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined); // the host cuts it off: ECONNRESET is the expected end
  socket.resume();
  const half = initializeBody.slice(0, 20);
  socket.write(
    'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n' +
      `Content-Type: application/json\r\nContent-Length: ${initializeBody.length}\r\n\r\n${half}`,
  );
  cleanups.push(async () => void socket.destroy());
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { socket, closed };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('McpHttpHost: request targets any peer can send', () => {
  it('answers `//` and other paths that are not the endpoint 404 with a JSON-RPC error, and keeps serving', async () => {
    const { url, servers } = await listening();
    for (const target of ['//', '//x/mcp', '///mcp', '*']) {
      const answer = await rawRequest(url, `GET ${target} HTTP/1.1`);
      expect(answer.split('\r\n')[0], target).toBe('HTTP/1.1 404 Not Found');
      expect(answer, target).toContain('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Not found"}}');
    }
    expect(servers.created).toBe(0);
    const client = new Client({ name: 'after-hostile', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanups.push(() => client.close());
    await expect(client.callTool({ name: 'ping', arguments: {} })).resolves.toMatchObject({ content: [{ text: 'pong' }] });
  });

  it('serves an absolute-form target naming the host the Host header names, and answers 400 to one naming another', async () => {
    const { url, servers } = await listening();
    // Node hands the target as it came; it is the endpoint when its path is.
    const absolute = await rawRequest(
      url,
      `POST http://127.0.0.1:${new URL(url).port}/mcp HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${initializeBody.length}`,
      initializeBody,
      true,
    );
    expect(absolute.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    // …and refused when it names another host than the Host header (which the Host check reads).
    for (const target of ['http://evil.example/mcp', `http://evil.example:${new URL(url).port}/mcp`, 'http:///mcp']) {
      const other = await rawRequest(
        url,
        `POST ${target} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${initializeBody.length}`,
        initializeBody,
      );
      expect(other.split('\r\n')[0], target).toBe('HTTP/1.1 400 Bad Request');
      expect(other, target).toContain('"message":"Bad Request: Host header does not match the request target"');
    }
    expect(servers.created).toBe(1);
  });
});

describe('McpHttpHost.close() with an initialize whose body stalls mid-way', () => {
  it('returns at once on a listen()ed host, cutting the stalled request off, for which no server was made', async () => {
    const { host, url, servers } = await listening();
    const stalled = await stalledInitialize(url);
    expect(await within(host.close(), 3_000)).toBeUndefined();
    expect(await within(stalled.closed, 3_000)).toBeUndefined();
    expect(servers).toEqual({ created: 0, closed: 0 });
    expect(host.sessionCount).toBe(0);
  });

  it('returns at once on an embedded host, whose connections it does not own', async () => {
    const { host, url, servers } = await embedded();
    const stalled = await stalledInitialize(url);
    expect(await within(host.close(), 3_000)).toBeUndefined();
    expect(await within(stalled.closed, 3_000)).toBeUndefined();
    expect(servers).toEqual({ created: 0, closed: 0 });
  });
});
