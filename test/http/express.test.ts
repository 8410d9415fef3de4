import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { initializeBody, raw } from './rawHttp.js';

/*
 * The SDK's own Express app (its Host check, then express.json()) in front of McpHttpHost: the host
 * takes the body express parsed from req.body, so the two compose without reading the stream twice.
 */
let host: McpHttpHost;
let http: Server;
let url: string;
beforeAll(async () => {
  host = new McpHttpHost({
    createServer: () => {
      const server = new McpServer({ name: 'express', version: '1' });
      server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      return server;
    },
  });
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  app.all('/mcp', (req, res) => void host.handle(req, res));
  http = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await host?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
});

describe('McpHttpHost behind createMcpExpressApp (express.json() already ran)', () => {
  it('serves an SDK client with the body express parsed', async () => {
    const client = new Client({ name: 'express-client', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      await expect(client.callTool({ name: 'ping', arguments: {} })).resolves.toMatchObject({ content: [{ type: 'text', text: 'pong' }] });
      expect(host.sessionCount).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('leaves the body limit to express (413 over its 100 KB) and the Host check to the SDK app (403)', async () => {
    expect((await raw(url, 'POST', JSON.stringify({ pad: 'a'.repeat(200 * 1024) }))).status).toBe(413);
    expect((await raw(url, 'POST', initializeBody, { host: 'evil.example' })).status).toBe(403);
  });
});
