/**
 * `McpHttpHost.close()` while a request of an open session is still in an async `authenticate`.
 * Before: once the hook returned, the session was gone and the request was answered 404 "Session
 * not found", which tells a client its session expired and to open a new one (then refused 503).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { deferred } from '../support/harness.js';
import { initializeBody, raw } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('McpHttpHost.close() while authenticate runs', () => {
  it('answers a session request whose hook returns after close() 503, not 404 (embedded host)', async () => {
    // Only the request after the initialize waits in the hook.
    let holding = false;
    const held = deferred();
    const entered = deferred();
    const host = new McpHttpHost({
      authenticate: async () => {
        if (holding) {
          entered.resolve(undefined);
          await held.promise;
        }
        return { token: 't', clientId: 'alice', scopes: [] };
      },
      createServer: () => new McpServer({ name: 'close-during-authenticate', version: '1' }),
    });
    // Embedded, as with Express: close() leaves the connections to their server, so the answer arrives.
    const http = createServer((req, res) => void host.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    const opened = await raw(url, 'POST', initializeBody);
    expect(opened.status).toBe(200);
    const headers = { 'mcp-session-id': opened.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };

    holding = true;
    const pending = raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers);
    await entered.promise;
    await host.close();
    expect(host.sessionCount).toBe(0);
    held.resolve(undefined);
    const answered = await pending;
    expect(answered.status).toBe(503);
    expect(JSON.parse(answered.text)).toMatchObject({ error: { code: -32000, message: 'Server is shutting down' } });
  });
});
