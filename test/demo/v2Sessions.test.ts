/**
 * The SDK v2 demo's 2025-11-25 sessions (src/demo/legacySessionsV2.ts), driven with raw HTTP: they
 * expire when idle, are capped, answer only the principal that opened them, and an unknown one (or a
 * method a fetch Request cannot carry) gets a JSON-RPC error. Before, every initialized session was
 * kept until a DELETE (2,000 initializes grew the heap by 115 MB), any bearer of a session id was
 * served on it, an unknown session got a plain-text 404 and `TRACE` a 500 with a stack in the log.
 */
import http from 'node:http';
import { afterEach, expect, it, vi } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import type { RunningV2Demo } from '../../src/demo/v2.js';
import type { V2SessionOptions } from '../../src/demo/legacySessionsV2.js';
import { testTaskSupport } from '../support/harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

let running: RunningV2Demo;

async function demo(sessions: V2SessionOptions = {}): Promise<URL> {
  const tasks: TaskSupport = testTaskSupport();
  const served = (running = await serveHttpV2(tasks, 0, '127.0.0.1', {}, {}, sessions));
  cleanups.push(
    () => tasks.close(),
    () => served.close(),
  );
  return new URL(served.url);
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'v2-sessions', version: '1' } },
});
const PING = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });

async function post(url: URL, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { ...HEADERS, ...headers }, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Opens a session (as `token`'s principal, or anonymously): its id. */
async function open(url: URL, token?: string): Promise<string> {
  const answer = await post(url, INITIALIZE, token ? { authorization: `Bearer ${token}` } : {});
  expect(answer.status).toBe(200);
  return answer.headers.get('mcp-session-id')!;
}

function onSession(sessionId: string, token?: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

const NOT_FOUND = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } };

it('a session nobody uses is closed after idleTimeoutMs; a request on it then gets 404 -32001', async () => {
  const url = await demo({ idleTimeoutMs: 300 });
  const sessionId = await open(url);
  expect(running.sessions).toBe(1);
  // Read without a request: each request on the session would keep it alive.
  await expect.poll(() => running.sessions, { timeout: 5000 }).toBe(0);
  expect(JSON.parse((await post(url, PING, onSession(sessionId))).text)).toEqual(NOT_FOUND);
});

it('beyond maxSessions an initialize is refused 503 -32029 with Retry-After; a closed session frees its slot', async () => {
  const url = await demo({ maxSessions: 2 });
  const first = await open(url);
  // A POST without a session that opens none (not an initialize) takes no slot for good.
  for (let i = 0; i < 3; i++) expect((await post(url, PING)).status).toBe(400);
  await open(url);
  const refused = await post(url, INITIALIZE);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  expect(JSON.parse(refused.text)).toMatchObject({
    error: {
      code: -32029,
      message: 'Too many sessions on this server (maxSessions 2); try again later',
      data: { limit: 'maxSessions', max: 2 },
    },
  });
  const deleted = await fetch(url, { method: 'DELETE', headers: onSession(first) });
  expect(deleted.status).toBe(200);
  await open(url);
});

it('a session answers only the principal that opened it: another bearer (or none) gets 404 -32001', async () => {
  const url = await demo();
  const sessionId = await open(url, 'alice');
  for (const token of ['bob', undefined]) {
    const answer = await post(url, PING, onSession(sessionId, token));
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual(NOT_FOUND);
  }
  expect((await post(url, PING, onSession(sessionId, 'alice'))).status).toBe(200);
});

it('an unknown session gets a JSON-RPC 404, not plain text', async () => {
  const url = await demo();
  const answer = await post(url, PING, onSession('no-such-session'));
  expect(answer.status).toBe(404);
  expect(JSON.parse(answer.text)).toEqual(NOT_FOUND);
});

it('TRACE (no fetch Request can carry it) is 405 with a JSON-RPC error, nothing logged', async () => {
  const method = 'TRACE';
  const url = await demo();
  const logged = vi.spyOn(console, 'error');
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end();
  });
  expect(answer.status).toBe(405);
  expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Method not allowed: ${method}` } });
  expect(logged).not.toHaveBeenCalled();
});
