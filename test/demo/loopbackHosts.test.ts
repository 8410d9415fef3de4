/**
 * The demo on a loopback address other than 127.0.0.1 (`HOST=127.0.0.2`) serves loopback Host names
 * only. There it showed the operator pages without a token (as on any loopback interface) while it
 * checked no Host name, so a page whose name rebinds to 127.0.0.2 read every tenant's tasks
 * (`/tasks`, `/health`) and reached `/mcp`: on SDK v1 (McpHttpHost) and on the v2 bridge alike.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/demo/health.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { testTaskSupport } from '../support/harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** GET `path` from `url`'s server with the Host header `host`. */
function get(url: string, path: string, host: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the demo on 127.0.0.2', () => {
  it('SDK v1: operator /health refused to another Host name (403), served to its own address', async () => {
    const tasks = testTaskSupport();
    const server = await serveHttp(tasks, (t) => createDemoMcpServer(t), {
      port: 0,
      host: '127.0.0.2',
      operator: { enabled: true },
      routes: (req, res, access) => healthRoute(tasks, req, res, access),
    });
    cleanups.push(async () => {
      await tasks.close();
      await server.close();
    });
    const { port } = new URL(server.url);
    expect((await get(server.url, '/health', `evil.example:${port}`)).status).toBe(403);
    const own = await get(server.url, '/health', `127.0.0.2:${port}`);
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toEqual({ ok: true, liveTaskActors: 0 });
  });

  it('SDK v2: /health and /mcp refused to another Host name (403), served to its own address', async () => {
    const tasks = testTaskSupport();
    const demo = await serveHttpV2(tasks, 0, '127.0.0.2', {}, { enabled: true });
    cleanups.push(async () => {
      await tasks.close();
      await demo.close();
    });
    const { port } = new URL(demo.url);
    for (const path of ['/health', '/mcp']) {
      const refused = await get(demo.url, path, `evil.example:${port}`);
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: -32000, message: `Invalid Host header: evil.example:${port}` } });
    }
    expect((await get(demo.url, '/health', `127.0.0.2:${port}`)).status).toBe(200);
  });
});
