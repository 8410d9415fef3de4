/**
 * McpHttpHost refuses a JSON-RPC batch of more than 100 messages on every SDK v1 of the peer range,
 * as newer SDK v1 transports do (400, -32600). SDK 1.27 (the range's lowest; this file runs in the
 * sdk-v1-lowest project too) has no limit: it handled any number of messages from one POST. The
 * host reads the body itself (requestBody.ts), so it applies the SDK's limit before the transport
 * sees the batch, to a body it read and to one a framework parsed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpHttpHostOptions } from '../../../src/http/index.js';
import { countedHost } from '../../support/counting.js';
import { initializeBody, raw } from '../../http/rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function hostOf(options: Partial<McpHttpHostOptions> = {}) {
  const counted = countedHost('batch-limit', options);
  cleanups.push(() => counted.host.close());
  return counted;
}

/** A batch of `count` notifications (each handled, none answered: 202 when taken). */
const batchOf = (count: number): string =>
  JSON.stringify(Array.from({ length: count }, () => ({ jsonrpc: '2.0', method: 'notifications/initialized' })));

const refusal = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: Batch must not exceed 100 messages' } };

describe('McpHttpHost: the batch limit', () => {
  it('refuses a batch of 101 messages on a session with 400 -32600 and takes one of 100', async () => {
    const { host } = hostOf();
    const { url } = await host.listen({ port: 0 });
    const opened = await raw(url, 'POST', initializeBody);
    const session = { 'mcp-session-id': String(opened.headers['mcp-session-id']) };
    const over = await raw(url, 'POST', batchOf(101), session);
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text)).toEqual(refusal);
    expect((await raw(url, 'POST', batchOf(100), session)).status).toBe(202);
    expect(host.sessionCount).toBe(1);
  });

  it('refuses a batch of 101 messages without a session, opening none and closing the server made for it', async () => {
    const { host, servers } = hostOf();
    const { url } = await host.listen({ port: 0 });
    const batch = JSON.stringify([JSON.parse(initializeBody), ...JSON.parse(batchOf(100))]);
    const over = await raw(url, 'POST', batch);
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text)).toEqual(refusal);
    expect(host.sessionCount).toBe(0);
    expect(servers.closed).toBe(servers.created);
  });

  it('refuses a batch of 101 messages stateless, and one a framework parsed', async () => {
    const { host } = hostOf({ sessions: false });
    const { url } = await host.listen({ port: 0 });
    const over = await raw(url, 'POST', batchOf(101));
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text)).toEqual(refusal);
    expect((await raw(url, 'POST', batchOf(100))).status).toBe(202);

    // A framework's body parser read it (handle's parsedBody): the same limit.
    const { host: embedded } = hostOf({ sessions: false });
    const http = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      req.on('end', () => void embedded.handle(req, res, JSON.parse(text)));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    const parsedUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    const parsedOver = await raw(parsedUrl, 'POST', batchOf(101));
    expect(parsedOver.status).toBe(400);
    expect(JSON.parse(parsedOver.text)).toEqual(refusal);
    expect((await raw(parsedUrl, 'POST', batchOf(100))).status).toBe(202);
  });
});
