/**
 * `McpHttpHost.close()` while a request is still in an async `createServer`: close() waits for it,
 * the request is answered 503, and its server is closed. Before, close() found no session and
 * returned; the request then got 200 and a session whose idle timer nothing closed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import type { McpHttpHostOptions } from '../../src/http/index.js';
import { initializeBody, raw } from './rawHttp.js';
import type { RawResponse } from './rawHttp.js';
import { countingCloses } from '../support/counting.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A host whose `createServer` waits for `open()`; `entered` resolves once a request is waiting in it. */
function gatedHost(options: Partial<McpHttpHostOptions> = {}) {
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let enter = (): void => {};
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const servers = { created: 0, closed: 0 };
  const host = new McpHttpHost({
    createServer: async () => {
      enter();
      await gate;
      servers.created += 1;
      return countingCloses(new McpServer({ name: 'close-during-open', version: '1' }), servers);
    },
    ...options,
  });
  return { host, open, entered, servers };
}

/** A `node:http` server of the test's own in front of `host` (as with Express): the host does not own it. */
async function embed(host: McpHttpHost): Promise<string> {
  const http = createServer((req, res) => void host.handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

/** Starts close() while a request waits in createServer, checks close() waits for it, then lets it go on. */
async function closeWhileCreating(gated: ReturnType<typeof gatedHost>, response: Promise<RawResponse>): Promise<RawResponse> {
  await gated.entered;
  let closed = false;
  const closing = gated.host.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(closed).toBe(false);
  gated.open();
  await closing;
  return response;
}

describe('McpHttpHost.close() while a session is being opened', () => {
  it('waits for an initialize still in createServer on an embedded host, answers it 503 and leaves no session or server', async () => {
    const gated = gatedHost();
    const url = await embed(gated.host);
    const answered = await closeWhileCreating(gated, raw(url, 'POST', initializeBody));
    expect(answered.status).toBe(503);
    expect(JSON.parse(answered.text)).toMatchObject({ error: { code: -32000, message: 'Server is shutting down' } });
    expect(gated.host.sessionCount).toBe(0);
    expect(gated.servers).toEqual({ created: 1, closed: 1 });
  });

  it('does the same on a listen()ed host: the 503 is written before its connections close', async () => {
    const gated = gatedHost();
    const { url } = await gated.host.listen({ port: 0 });
    const answered = await closeWhileCreating(gated, raw(url, 'POST', initializeBody));
    expect(answered.status).toBe(503);
    expect(gated.host.sessionCount).toBe(0);
    expect(gated.servers).toEqual({ created: 1, closed: 1 });
  });

  it('answers 503 to a stateless POST whose server was still being made, and closes that server', async () => {
    const gated = gatedHost({ sessions: false });
    const url = await embed(gated.host);
    const answered = await closeWhileCreating(gated, raw(url, 'POST', initializeBody));
    expect(answered.status).toBe(503);
    expect(gated.servers).toEqual({ created: 1, closed: 1 });
  });
});
