/**
 * McpHttpHost.listen() that fails (a port taken) leaves the host able to listen again. It kept the
 * server that never listened, so every later listen() threw "already listening": an embedder that
 * falls back to another port could not, short of making a new host.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('McpHttpHost.listen after a failed listen', () => {
  it('listens on another port and serves', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'listen-again', version: '1' }) });
    cleanups.push(() => host.close());

    await expect(host.listen({ port: (taken.address() as AddressInfo).port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const { url } = await host.listen({ port: 0 });
    const client = new Client({ name: 'listen-again', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanups.push(() => client.close());
    await expect(client.ping()).resolves.toEqual({});
    // Listening now: a second listen() is still refused.
    await expect(host.listen({ port: 0 })).rejects.toThrow('McpHttpHost is already listening');
  });
});
