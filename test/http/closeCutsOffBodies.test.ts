/**
 * McpHttpHost.close() and DELETE with a body the host is still reading, on an embedded host (no
 * listen(): close() has no connections of its own to end). Only an initialize's body read was cut
 * off at close(): a stateless POST's or a session's POST's half-sent body kept its socket until
 * `requestBodyTimeoutMs`, or for ever with 0. A session's POST whose body ended as close() began was
 * handed to the session's transport once closed, whose 404 "Session not found" sends a client to
 * open a new session on a host shutting down. Now close() cuts off every body still arriving, and
 * such a POST is answered 503 "Server is shutting down" (404 when a DELETE closed its session).
 * An initialize's stalled body, cut off with no server made, is asserted in hostileRequests.test.ts
 * ("returns at once on an embedded host, whose connections it does not own").
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpHttpHost } from '../../src/http/index.js';
import { countedHost } from '../support/counting.js';
import { stalledPost, within } from './rawHttp.js';
import type { StalledRequest } from './rawHttp.js';

/** How long a cut-off may take (a timer: a socket left open sends no event). */
const SLACK_MS = 2_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A host behind a `node:http` server with no request timeout; `arrived` resolves once the stalled request reaches the host. */
async function embedded(sessions: boolean, onStalled: (host: McpHttpHost, req: IncomingMessage) => void = () => undefined) {
  // No deadline: only close() (or DELETE) can end the stalled body.
  const { host, servers } = countedHost('close-bodies', { sessions, requestBodyTimeoutMs: 0 });
  let reached = (): void => {};
  const http = createServer({ requestTimeout: 0 }, (req, res) => {
    if (req.headers[STALLED] !== undefined) onStalled(host, req);
    void host.handle(req, res);
    // handle() has taken it in hand (its body read begun) when it returns its promise.
    if (req.headers[STALLED] !== undefined) reached();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await host.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const arrived = () => new Promise<void>((resolve) => (reached = resolve));
  return { host, servers, url, arrived };
}

/** `stalledPost`, resolved once the host has it; its socket destroyed after the test. */
async function stalled(arrived: Promise<void>, url: string, body: string, headers?: Record<string, string>): Promise<StalledRequest> {
  const request = stalledPost(url, body, { ...headers, [STALLED]: '1' });
  cleanups.push(async () => void request.socket.destroy());
  await arrived;
  return request;
}

async function session(url: string) {
  const client = new Client({ name: 'close-bodies-client', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { 'Mcp-Session-Id': transport.sessionId!, 'Mcp-Protocol-Version': transport.protocolVersion! };
}

/** The header that marks the stalled request (the client's own requests reach the host too). */
const STALLED = 'x-stalled';
const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });

describe('McpHttpHost.close() on an embedded host, a body still arriving', () => {
  it("cuts off a stateless POST's, with no server made for it", async () => {
    const { host, servers, url, arrived } = await embedded(false);
    const request = await stalled(arrived(), url, toolsList);
    await host.close();
    expect(await within(request.closed, SLACK_MS)).not.toBe('still open');
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it("cuts off a session's POST's", async () => {
    const { host, url, arrived } = await embedded(true);
    const headers = await session(url);
    const request = await stalled(arrived(), url, toolsList, headers);
    await host.close();
    expect(await within(request.closed, SLACK_MS)).not.toBe('still open');
  });
});

describe("McpHttpHost: a session's POST whose session closes while its body arrives", () => {
  it('(guard: the closed SDK transport answers so too) is answered 404 Session not found after a DELETE', async () => {
    const { host, url, arrived } = await embedded(true);
    const headers = await session(url);
    // Connection: close, so the socket closes once answered, with the whole answer received.
    const request = await stalled(arrived(), url, toolsList, { ...headers, Connection: 'close' });
    expect(await host.closeSession(headers['Mcp-Session-Id'])).toBe(true);
    request.socket.write(toolsList.slice(20));
    const answer = await within(request.closed, SLACK_MS);
    expect(answer).not.toBe('still open');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    // Chunked: the JSON between the chunk sizes.
    expect(JSON.parse(answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32001, message: 'Session not found' },
    });
  });

  it('is answered 503 when close() began as its body ended, not handed to the session', async () => {
    // Registered before the host's own: close() begins as the body's 'end' is dispatched, before the host's read sees it.
    const { url, arrived } = await embedded(true, (host, req) => req.once('end', () => void host.close()));
    const headers = await session(url);
    const request = await stalled(arrived(), url, toolsList, { ...headers, Connection: 'close' });
    request.socket.write(toolsList.slice(20));
    const answer = await within(request.closed, SLACK_MS);
    expect(answer).not.toBe('still open');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(JSON.parse(answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: 'Server is shutting down' },
    });
  });
});
