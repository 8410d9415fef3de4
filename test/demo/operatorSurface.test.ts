import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { TaskSupport } from '../../src/index.js';
import { demoBearerAuth } from '../../src/demo/bearerAuth.js';
import { healthRoute } from '../../src/demo/health.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import type { RunningHttpServer } from '../../src/demo/httpServer.js';
import { observeDemo } from '../../src/demo/observability.js';
import { isLoopbackHost } from '../../src/http/loopback.js';
import { OperatorGate, operatorFromArgs } from '../../src/demo/operator.js';
import type { OperatorOptions } from '../../src/demo/operator.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { startDemoProcess } from '../support/demoProcess.js';
import { createTask, testTaskSupport } from '../support/harness.js';

const TOKEN = 'operator-secret-0c9e';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The demo server as `src/demo/main.ts` wires it (health, live view, bearer principals), in this process. */
async function serveDemo(operator: OperatorOptions | undefined): Promise<{ http: RunningHttpServer; base: string; tasks: TaskSupport }> {
  const observe = await observeDemo({ liveView: operator?.enabled ?? false });
  const tasks = testTaskSupport({ inspect: observe.inspect });
  const http = await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 1000 }), {
    port: 0,
    ...(operator ? { operator } : {}),
    routes: (req, res, access) => healthRoute(tasks, req, res, access) || observe.routes(req, res, access),
    authenticate: demoBearerAuth,
  });
  cleanups.push(async () => {
    await tasks.close();
    await http.close();
    await observe.stop();
  });
  return { http, base: new URL(http.url).origin, tasks };
}

/** A running task of someone (a bearer principal): the id a stranger must not learn about. */
async function someonesTask(url: string): Promise<string> {
  const client = new Client({ name: 'tenant', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer tenant-a' } } }));
  cleanups.push(() => client.close());
  return (await createTask(client, 'countdown', { seconds: 60 })).taskId;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text() };
}

/** The first event of the live view's stream (its snapshot), or the refusal. */
async function firstEvent(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  if (response.status !== 200) return { status: response.status, body: await response.text() };
  const reader = response.body!.getReader();
  let body = '';
  while (!/event: snapshot\ndata: .*\n\n/.test(body)) {
    const { value, done } = await reader.read();
    if (done) break;
    body += new TextDecoder().decode(value);
  }
  abort.abort();
  return { status: 200, body };
}

describe('the operator surface (live view, per-task /health)', () => {
  it('is off unless enabled: /health says only "up" whatever the id, and there is no live view', async () => {
    const { http, base } = await serveDemo(undefined);
    const taskId = await someonesTask(http.url);
    const known = await get(`${base}/health?task=${taskId}`);
    const unknown = await get(`${base}/health?task=no-such-task`);
    expect(JSON.parse(known.body)).toEqual({ ok: true });
    expect(known).toEqual(unknown);
    expect((await get(`${base}/health`)).body).toBe('{"ok":true}');
    expect((await get(`${base}/tasks`)).status).toBe(404);
    expect((await get(`${base}/tasks/events`)).status).toBe(404);
  });

  it('enabled on loopback without a token: open to this machine', async () => {
    const { http, base } = await serveDemo({ enabled: true });
    const taskId = await someonesTask(http.url);
    expect(JSON.parse((await get(`${base}/health?task=${taskId}`)).body)).toEqual({ ok: true, liveTaskActors: 1, running: true });
    expect(JSON.parse((await get(`${base}/health?task=no-such-task`)).body)).toEqual({ ok: true, liveTaskActors: 1, running: false });
    expect((await get(`${base}/tasks`)).status).toBe(200);
    expect((await firstEvent(`${base}/tasks/events`)).body).toContain(taskId);
  });

  it('with a token: nothing about tasks without it, everything with it (header or ?token=)', async () => {
    const { http, base } = await serveDemo({ enabled: true, token: TOKEN });
    const taskId = await someonesTask(http.url);

    // Without the token, or with a wrong one (the tenant's own MCP bearer token included).
    const refused: Record<string, string>[] = [{}, { Authorization: 'Bearer tenant-a' }, { Authorization: `Bearer ${TOKEN}x` }];
    for (const headers of refused) {
      const known = await get(`${base}/health?task=${taskId}`, headers);
      expect(known).toEqual(await get(`${base}/health?task=no-such-task`, headers));
      expect(known.body).toBe('{"ok":true}');
      const page = await get(`${base}/tasks`, headers);
      expect(page.status).toBe(401);
      const stream = await firstEvent(`${base}/tasks/events`, headers);
      expect(stream.status).toBe(401);
      expect(page.body + stream.body).not.toContain(taskId);
    }
    expect((await firstEvent(`${base}/tasks/events?token=wrong`)).status).toBe(401);

    const bearer = { Authorization: `Bearer ${TOKEN}` };
    expect(JSON.parse((await get(`${base}/health?task=${taskId}`, bearer)).body)).toEqual({ ok: true, liveTaskActors: 1, running: true });
    expect((await get(`${base}/tasks`, bearer)).status).toBe(200);
    expect((await firstEvent(`${base}/tasks/events`, bearer)).body).toContain(taskId);
    // What a browser tab does: the page opened with ?token=, its stream with the same query.
    expect((await get(`${base}/tasks?token=${TOKEN}`)).status).toBe(200);
    expect((await firstEvent(`${base}/tasks/events?token=${TOKEN}`)).body).toContain(taskId);
  });

  it('needs a token on a host that is not loopback: serveHttp refuses to start without one', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    await expect(
      serveHttp(tasks, (t) => createDemoMcpServer(t), { port: 0, host: '0.0.0.0', operator: { enabled: true } }),
    ).rejects.toThrow(/on host 0\.0\.0\.0, which is not loopback, it needs an operator token/);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      expect(isLoopbackHost(host), host).toBe(false);
      expect(() => new OperatorGate({ enabled: true }, host)).toThrow(/needs an operator token/);
      expect(new OperatorGate({ enabled: true, token: TOKEN }, host).tokenRequired).toBe(true);
      expect(new OperatorGate({}, host).enabled).toBe(false);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
  });

  it('the demo: on by default on loopback, off elsewhere unless MTA_OPERATOR_TOKEN is set; --live-view without a token elsewhere is refused', () => {
    expect(operatorFromArgs([], {}, '127.0.0.1')).toEqual({ enabled: true });
    expect(operatorFromArgs(['--no-live-view'], {}, '127.0.0.1')).toEqual({ enabled: false });
    expect(operatorFromArgs([], {}, '0.0.0.0')).toEqual({ enabled: false });
    expect(operatorFromArgs([], { MTA_OPERATOR_TOKEN: TOKEN }, '0.0.0.0')).toEqual({ enabled: true, token: TOKEN });
    expect(operatorFromArgs([], { MTA_OPERATOR_TOKEN: TOKEN }, '127.0.0.1')).toEqual({ enabled: true, token: TOKEN });
    expect(() => operatorFromArgs(['--live-view'], {}, '0.0.0.0')).toThrow(/needs an operator token/);
  });

  it('npm start with MTA_OPERATOR_TOKEN: the printed live view URL asks for the token, /health tells a stranger nothing', async () => {
    const demo = await startDemoProcess({ MTA_OPERATOR_TOKEN: TOKEN, DEMO_SECOND_MS: '1000' });
    cleanups.push(() => demo.stop());
    expect(demo.output()).toMatch(/live view: http:\/\/127\.0\.0\.1:\d+\/tasks\?token=<MTA_OPERATOR_TOKEN>/);
    const taskId = await someonesTask(demo.url);
    expect((await get(`${demo.base}/health?task=${taskId}`)).body).toBe('{"ok":true}');
    expect((await get(`${demo.base}/tasks`)).status).toBe(401);
    const operator = JSON.parse((await get(`${demo.base}/health?task=${taskId}`, { Authorization: `Bearer ${TOKEN}` })).body);
    expect(operator).toEqual({ ok: true, liveTaskActors: 1, running: true });
  }, 30_000);
});
