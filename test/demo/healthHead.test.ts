/**
 * `HEAD /health` is `GET /health` without the body (RFC 9110), on both demos: a probe (a load
 * balancer, `curl -I`) that asks with HEAD got 404, as though the instance had no health route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/demo/health.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { testTaskSupport } from '../support/harness.js';
import { raw } from '../http/rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The /health URL of each demo as its entry point wires it (v1: main.ts's routes; v2: serveHttpV2). */
const demos: Record<string, () => Promise<string>> = {
  v1: async () => {
    const tasks = testTaskSupport();
    const running = await serveHttp(tasks, (t) => createDemoMcpServer(t), {
      port: 0,
      routes: (req, res, access) => healthRoute(tasks, req, res, access),
    });
    cleanups.push(
      () => tasks.close(),
      () => running.close(),
    );
    return new URL('/health', running.url).href;
  },
  v2: async () => {
    const tasks = testTaskSupport();
    const running = await serveHttpV2(tasks, 0, '127.0.0.1');
    cleanups.push(
      () => tasks.close(),
      () => running.close(),
    );
    return new URL('/health', running.url).href;
  },
};

describe.each(Object.keys(demos))('the %s demo', (line) => {
  it('answers HEAD /health as GET, without the body', async () => {
    const url = await demos[line]!();
    const get = await raw(url, 'GET');
    const head = await raw(url, 'HEAD');
    expect(get.status).toBe(200);
    expect(JSON.parse(get.text)).toMatchObject({ ok: true });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe('application/json');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.text)));
  });

  it('still answers other methods on /health 404', async () => {
    const url = await demos[line]!();
    expect((await raw(url, 'POST', '{}')).status).toBe(404);
  });
});
