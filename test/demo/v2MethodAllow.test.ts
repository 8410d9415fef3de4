/**
 * A 405 must say which methods the resource serves (RFC 9110 §15.5.6: `Allow`). The v1 demo's host
 * (McpHttpHost) does for every method it refuses; the SDK v2 demo's own 405 for TRACE (a method no
 * fetch Request can carry, refused before v2 sees it) had none, where v2's 405 to PUT has one.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpHttpHost } from '../../src/http/index.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { testTaskSupport } from '../support/harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bodiless request with `method` to `url`: its status and `Allow` header. */
function send(url: string, method: string): Promise<{ status: number; allow: string | undefined }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: pathname, method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers['allow'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function v2Demo(): Promise<string> {
  const tasks = testTaskSupport();
  const demo = await serveHttpV2(tasks, 0, '127.0.0.1');
  cleanups.push(
    () => tasks.close(),
    () => demo.close(),
  );
  return demo.url;
}

async function v1Host(): Promise<string> {
  const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'v1', version: '1' }) });
  cleanups.push(() => host.close());
  return (await host.listen({ port: 0 })).url;
}

describe('a refused method gets a 405 with Allow', () => {
  it.each(['TRACE', 'PUT'])('the v2 demo answers %s as the v1 host does: 405, Allow: GET, POST, DELETE', async (method) => {
    const [v2, v1] = await Promise.all([v2Demo(), v1Host()]);
    const expected = { status: 405, allow: 'GET, POST, DELETE' };
    expect(await send(v1, method)).toEqual(expected);
    expect(await send(v2, method)).toEqual(expected);
  });
});
