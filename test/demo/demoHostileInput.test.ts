/**
 * Fault hunt of the demo server as a hostile peer or a careless operator meets it: a request line
 * any peer can send (`GET //`) must not reach a 500 and a logged stack trace when the operator
 * surface wants a token, a password in `REDIS_URL` must never be printed (start errors, banner), and
 * `--inspect=<port>` takes only a port written as digits.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoBackend } from '../../src/demo/backend.js';
import { healthRoute } from '../../src/demo/health.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { observeDemo, statelyPortFromArgs } from '../../src/demo/observability.js';
import { OperatorGate } from '../../src/demo/operator.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { startDemoProcess } from '../support/demoProcess.js';
import { testTaskSupport } from '../support/harness.js';
import { skipWithout } from '../support/prerequisites.js';
import { freePort, startRedisServer } from '../support/redisServer.js';

const TOKEN = 'operator-secret-5e1a';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A GET with the request line's path exactly as given (fetch would normalise `//`). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the operator gate and odd request paths', () => {
  it('reads the token of any request line without throwing', () => {
    const gate = new OperatorGate({ enabled: true, token: TOKEN }, '127.0.0.1');
    const request = (url: string): IncomingMessage => ({ url, headers: {} }) as IncomingMessage;
    expect(gate.check(request('//')).granted).toBe(false);
    expect(gate.check(request('//?token=wrong')).granted).toBe(false);
    expect(gate.check(request(`//?token=${TOKEN}`)).granted).toBe(true);
    expect(gate.check(request(`/tasks?token=${TOKEN}`)).granted).toBe(true);
    expect(gate.check(request('/tasks')).granted).toBe(false);
  });

  it('a token-protected demo answers GET // without a 500 or a logged stack trace', async () => {
    const logged: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    const observe = await observeDemo({ liveView: true });
    const tasks = testTaskSupport({ inspect: observe.inspect });
    const server = await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 1000 }), {
      port: 0,
      operator: { enabled: true, token: TOKEN },
      routes: (req, res, access) => healthRoute(tasks, req, res, access) || observe.routes(req, res, access),
    });
    cleanups.push(async () => {
      await tasks.close();
      await server.close();
      await observe.stop();
    });
    const port = Number(new URL(server.url).port);
    for (const path of ['//', '//?token=wrong', '//tasks', `//?token=${TOKEN}`]) {
      const { status } = await rawGet(port, path);
      expect(status, path).toBeLessThan(500);
    }
    expect((await rawGet(port, '/tasks')).status).toBe(401);
    expect((await rawGet(port, `/tasks?token=${TOKEN}`)).status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('npm start (SDK v1 and v2, with and without a token) answers GET // without a 500 or a stack trace', { timeout: 60_000 }, async () => {
    for (const [env, args] of [
      [{}, ['--sdk', 'v1']],
      [{ MTA_OPERATOR_TOKEN: TOKEN }, ['--sdk', 'v1']],
      [{ MTA_OPERATOR_TOKEN: TOKEN }, ['--sdk', 'v2']],
    ] as const) {
      const demo = await startDemoProcess(env, args);
      cleanups.push(() => demo.stop());
      const port = Number(new URL(demo.base).port);
      for (const path of ['//', `//?token=${TOKEN}`])
        expect((await rawGet(port, path)).status, `${args.join(' ')} ${path}`).toBeLessThan(500);
      expect(demo.output()).not.toMatch(/Invalid URL|\n\s+at /);
    }
  });
});

const noRedis = skipWithout('redis-server', 'test/demo/demoHostileInput.test.ts (REDIS_URL banner)');

describe('a password in REDIS_URL is never printed', { timeout: 30_000 }, () => {
  const PASSWORD = 'hunter2-8f3b';

  it.skipIf(noRedis)('not in the banner of a demo that reached Redis', async () => {
    // A Redis with no password configured takes the AUTH of the default user with a warning.
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const backend = await demoBackend({ REDIS_URL: `redis://default:${PASSWORD}@127.0.0.1:${redis.port}` });
    cleanups.push(() => backend.close());
    expect(backend.description).toContain(`Redis task store at redis://default:***@127.0.0.1:${redis.port}`);
    expect(backend.description).not.toContain(PASSWORD);
  });

  it('not when Redis cannot be reached', async () => {
    const url = `redis://operator:${PASSWORD}@127.0.0.1:${await freePort()}`;
    const error = await demoBackend({ REDIS_URL: url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('cannot reach Redis at redis://operator:***@127.0.0.1:');
    expect(message).not.toContain(PASSWORD);
  });

  it('not when REDIS_URL has another scheme', async () => {
    const error = await demoBackend({ REDIS_URL: `http://operator:${PASSWORD}@127.0.0.1:6379` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});

describe('--inspect=<port> takes digits only', () => {
  it('refuses an empty, blank, exponent or hex port instead of reading it as another port', () => {
    for (const value of ['', ' ', '1e3', '0x1F90', '-1', '65536', '80.5']) {
      expect(() => statelyPortFromArgs([`--inspect=${value}`], {}), JSON.stringify(value)).toThrow(
        `--inspect: bad port ${JSON.stringify(value)}`,
      );
    }
    expect(() => statelyPortFromArgs(['--inspect'], { INSPECT_PORT: '' })).toThrow('--inspect: bad port ""');
    expect(statelyPortFromArgs(['--inspect=0'], {})).toBe(0);
    expect(statelyPortFromArgs(['--inspect=9000'], {})).toBe(9000);
    expect(statelyPortFromArgs(['--inspect'], {})).toBe(8080);
    expect(statelyPortFromArgs(['--inspect'], { INSPECT_PORT: '9001' })).toBe(9001);
    expect(statelyPortFromArgs([], {})).toBeUndefined();
  });
});
