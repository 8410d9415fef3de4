/**
 * McpHttpHost bounds a request body itself, on every SDK v1 of the peer range. It left the limit to
 * the SDK transport, which SDK 1.27 (the range's lowest) does not have: it read any body whole, so a
 * 50 MiB POST was buffered and served, and `maxRequestBodySize` did nothing (this file runs in the
 * sdk-v1-lowest project too). A `maxRequestBodySize` that is no positive number is refused when the
 * host is made: newer SDKs threw it for every request, each answered 500.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../../src/http/index.js';
import type { McpHttpHostOptions } from '../../../src/http/index.js';
import { countedHost } from '../../support/counting.js';
import { initializeBody, raw, streamUntilAnswered } from '../../http/rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(options: Partial<McpHttpHostOptions> = {}) {
  const { host, servers } = countedHost('body-limit', options);
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url, servers };
}

/** An initialize of exactly `bytes` bytes (its client name padded): valid JSON-RPC whatever its size. */
function initializeOf(bytes: number): string {
  const padded = initializeBody.replace('"name":"raw"', '"name":"raw"'.replace('raw', 'r'.repeat(bytes - initializeBody.length + 3)));
  expect(Buffer.byteLength(padded)).toBe(bytes);
  return padded;
}

const tooLarge = (limit: number) => ({
  jsonrpc: '2.0',
  id: null,
  error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${limit} bytes` },
});

describe('McpHttpHost: the body limit', () => {
  it('refuses a body over the default 4 MiB with 413, opening no session and closing the server made for it', async () => {
    const { host, url, servers } = await listening();
    const answer = await raw(url, 'POST', initializeOf(5 * 1024 * 1024));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual(tooLarge(4 * 1024 * 1024));
    expect(host.sessionCount).toBe(0);
    expect(servers.created).toBe(servers.closed);
    // The same host serves a body under the limit.
    expect((await raw(url, 'POST', initializeOf(4 * 1024 * 1024))).status).toBe(200);
    expect(host.sessionCount).toBe(1);
  });

  it('applies maxRequestBodySize, sessionful and stateless', async () => {
    for (const sessions of [true, false]) {
      const { url } = await listening({ maxRequestBodySize: 2000, sessions });
      const over = await raw(url, 'POST', initializeOf(2001));
      expect(over.status, `sessions: ${sessions}`).toBe(413);
      expect(JSON.parse(over.text)).toEqual(tooLarge(2000));
      expect((await raw(url, 'POST', initializeOf(2000))).status, `sessions: ${sessions}`).toBe(200);
    }
  });

  it('answers a streamed (chunked) body 413 once it passes the limit, before the client has sent it all', async () => {
    const { url } = await listening({ maxRequestBodySize: 64 * 1024 });
    const total = 50 * 1024 * 1024;
    const { status, sent } = await streamUntilAnswered(url, total);
    expect(status).toBe(413);
    expect(sent).toBeLessThan(total);
  });

  it('answers a body that is not JSON 400 with -32700', async () => {
    const { url } = await listening();
    const answer = await raw(url, 'POST', '{"jsonrpc":');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: -32700 } });
  });

  it('refuses a maxRequestBodySize that is no positive number when the host is made; Infinity is no limit', async () => {
    const createServer = () => new McpServer({ name: 'body-limit', version: '1' });
    for (const maxRequestBodySize of [NaN, 0, -1]) {
      expect(() => new McpHttpHost({ createServer, maxRequestBodySize }), String(maxRequestBodySize)).toThrow(
        new RangeError(`maxRequestBodySize must be a positive number of bytes, or Infinity; got ${maxRequestBodySize}`),
      );
    }
    const { url } = await listening({ maxRequestBodySize: Infinity });
    expect((await raw(url, 'POST', initializeOf(5 * 1024 * 1024))).status).toBe(200);
  });
});
