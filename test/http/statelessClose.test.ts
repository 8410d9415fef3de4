/**
 * `McpHttpHost.close()` with stateless requests (`sessions: false`) still being served. Before, on
 * a host embedded behind a server of the caller's own (as with Express), close() resolved while such
 * a response stayed open and its server unclosed, for as long as its handler ran: only a listen()ed
 * host's close ended it (by closing its connections). A session's streams were already ended there.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { countingCloses } from '../support/counting.js';
import { deferred } from '../support/harness.js';
import { raw } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A stateless host behind a `node:http` server of the test's own; its tool `hold` runs until aborted. */
async function embeddedStateless() {
  const servers = { created: 0, closed: 0 };
  const entered = deferred();
  const host = new McpHttpHost({
    sessions: false,
    createServer: () => {
      servers.created += 1;
      const server = new McpServer({ name: 'stateless-close', version: '1' });
      server.registerTool('hold', {}, async (extra) => {
        entered.resolve();
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
        return { content: [{ type: 'text', text: 'released' }] };
      });
      return countingCloses(server, servers);
    },
  });
  const http = createServer((req, res) => void host.handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { host, servers, entered: entered.promise, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` };
}

const holdCall = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hold', arguments: {} } });

describe('McpHttpHost.close() with stateless requests in flight', () => {
  it('on an embedded host, ends the open response and closes its server (once)', async () => {
    const { host, servers, entered, url } = await embeddedStateless();
    const response = raw(url, 'POST', holdCall, { 'mcp-protocol-version': '2025-11-25' });
    await entered;
    expect(await within(host.close(), 3_000)).toBeUndefined();
    const ended = await within(response, 1_000);
    // Ended without an answer, as a session's open call is when its server closes.
    expect(ended).toMatchObject({ status: 200, text: '' });
    // Once: the end of its response, which close() brought, does not close it again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(servers).toEqual({ created: 1, closed: 1 });
    // Later requests get 503 and make no server.
    const after = await raw(url, 'POST', holdCall, { 'mcp-protocol-version': '2025-11-25' });
    expect(after.status).toBe(503);
    expect(servers).toEqual({ created: 1, closed: 1 });
  });
});
