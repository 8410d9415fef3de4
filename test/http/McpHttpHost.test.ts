import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpHttpHost } from '../../src/http/index.js';
import type { McpHttpHostOptions } from '../../src/http/index.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import { initializeBody, raw, streamUntilAnswered } from './rawHttp.js';
import type { RawResponse } from './rawHttp.js';
import { countingCloses } from '../support/counting.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The body of every 500 the host answers. */
const INTERNAL_ERROR = { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } };

/** A logger that keeps what `error` was called with. */
function errorLog(): { errors: unknown[][]; error: (...args: unknown[]) => void } {
  const errors: unknown[][] = [];
  return { errors, error: (...args: unknown[]) => void errors.push(args) };
}

/** A 500 that says "Internal error" and nothing of `secret`, while the log has the error with it. */
function expectLoggedNotShown(response: RawResponse, logged: ReturnType<typeof errorLog>, secret: string): void {
  expect(response.status).toBe(500);
  expect(JSON.parse(response.text)).toEqual(INTERNAL_ERROR);
  expect(response.text).not.toContain(secret);
  expect(logged.errors).toHaveLength(1);
  expect(String(logged.errors[0]![1])).toContain(secret);
}

/** A listening host whose first `createServer` throws `message`; later ones make a server. */
async function hostFailingFirst(logger: McpHttpHostOptions['logger'], message: string) {
  let calls = 0;
  const host = new McpHttpHost({
    ...(logger ? { logger } : {}),
    createServer: () => {
      calls += 1;
      if (calls === 1) throw new Error(message);
      return new McpServer({ name: 'after-a-failure', version: '1' });
    },
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url };
}

/** A host on 127.0.0.1:0 whose servers have a task tool (`wait`) and a plain one (`whoami`). */
async function start(options: Partial<McpHttpHostOptions> = {}) {
  const tasks: TaskSupport = testTaskSupport();
  const servers = { created: 0, closed: 0 };
  const host = new McpHttpHost({
    createServer: ({ authInfo }) => {
      servers.created += 1;
      const server = new McpServer({ name: 'host-test', version: '1' });
      server.registerTool('whoami', { inputSchema: { text: z.string().optional() } }, (_args, extra) => ({
        content: [
          {
            type: 'text',
            text: `${extra.authInfo?.clientId ?? 'anonymous'} ${extra.sessionId ?? 'stateless'} ${authInfo?.clientId ?? '-'}`,
          },
        ],
      }));
      tasks.registerTool(server, 'wait', { taskSupport: 'optional', inputSchema: { ms: z.number() } }, async ({ ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { content: [{ type: 'text', text: `waited ${ms}` }] };
      });
      return countingCloses(server, servers);
    },
    ...options,
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(
    () => tasks.close(),
    () => host.close(),
  );
  return { host, url, servers, tasks };
}

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'host-test-client', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

describe('McpHttpHost: sessions', () => {
  it('serves a task tool to a real SDK client, one server per session, and DELETE ends the session', async () => {
    const { host, url, servers } = await start();
    const { client, transport } = await connect(url);
    const other = await connect(url);
    expect(host.sessionCount).toBe(2);
    expect(servers.created).toBe(2);
    const task = await createTask(client, 'wait', { ms: 5 });
    await expect(taskResult(client, task.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'waited 5' }] });
    // Tasks stay with their session: the other session does not see it.
    await expect(other.client.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/-32602/);

    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    expect(host.sessionCount).toBe(1);
    const after = await raw(url, 'POST', toolsList, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    expect(after.status).toBe(404);
    expect(JSON.parse(after.text)).toMatchObject({ error: { code: -32001, message: 'Session not found' } });

    // closeSession is DELETE from the server side.
    await expect(host.closeSession(other.transport.sessionId!)).resolves.toBe(true);
    expect(host.sessionCount).toBe(0);
    await expect(host.closeSession(other.transport.sessionId!)).resolves.toBe(false);
  });

  it('answers 400 to a request without a session id that is not initialize, and keeps no server for it', async () => {
    const { host, url, servers } = await start();
    const response = await raw(url, 'POST', toolsList);
    expect(response.status).toBe(400);
    expect(host.sessionCount).toBe(0);
    expect(servers.closed).toBe(servers.created);
    expect((await raw(url, 'GET')).status).toBe(400);
  });

  it('closes a session after idleTimeoutMs with no request in flight; its id is then 404', async () => {
    const { host, url, servers } = await start({ idleTimeoutMs: 1000 });
    const opened = await raw(url, 'POST', initializeBody);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers['mcp-session-id'] as string;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    // Activity postpones expiry: four requests 300 ms apart outlive one idle period (with a margin
    // of 700 ms per gap for a loaded machine: 350 ms of a 500 ms period was too tight, as the
    // 300 ms period of the test below showed).
    for (let i = 0; i < 4; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await raw(url, 'POST', toolsList, headers)).status).toBe(200);
    }
    await eventually(() => host.sessionCount === 0, 3000);
    expect(servers.closed).toBe(1);
    expect((await raw(url, 'POST', toolsList, headers)).status).toBe(404);
  });

  it('never expires a session with idleTimeoutMs Infinity, and refuses a value a timer cannot wait', async () => {
    // Node fires a timer past 2^31-1 ms (Infinity included) after 1 ms: every session went at once.
    const { host, url } = await start({ idleTimeoutMs: Infinity });
    const opened = await raw(url, 'POST', initializeBody);
    const headers = { 'mcp-session-id': opened.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(host.sessionCount).toBe(1);
    expect((await raw(url, 'POST', toolsList, headers)).status).toBe(200);
    for (const idleTimeoutMs of [2 ** 31, -1, Number.NaN]) {
      expect(() => new McpHttpHost({ createServer: () => new McpServer({ name: 'x', version: '1' }), idleTimeoutMs })).toThrow(
        new RangeError(`idleTimeoutMs must be 0, Infinity or a number of ms from 1 to ${2 ** 31 - 1}; got ${idleTimeoutMs}`),
      );
    }
  });

  it('keeps a quiet session whose client holds the GET stream open', async () => {
    // 1 s, not less: the session is idle between the answer to initialize and the client's next
    // POST, and at 300 ms a busy machine let it expire there (connect failed: "Session not found").
    const idleTimeoutMs = 1000;
    const { host, url } = await start({ idleTimeoutMs });
    const { client } = await connect(url);
    await new Promise((resolve) => setTimeout(resolve, 2.5 * idleTimeoutMs));
    expect(host.sessionCount).toBe(1);
    await expect(client.listTools()).resolves.toMatchObject({ tools: expect.any(Array) });
  });

  it('close() ends open streams and sessions, then refuses: a connected client does not keep it open', async () => {
    const { host, url, servers } = await start();
    await connect(url);
    await connect(url);
    const started = performance.now();
    await host.close();
    // Without closing the remaining connections, close() waits for keep-alive sockets (5 s each).
    expect(performance.now() - started).toBeLessThan(3000);
    expect(host.sessionCount).toBe(0);
    expect(servers.closed).toBe(2);
    await expect(raw(url, 'POST', initializeBody)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('McpHttpHost: what it refuses, before parsing', () => {
  it('answers 403 to a Host that is not loopback before reading the body or making a server', async () => {
    const { url, servers } = await start();
    // A Content-Length of 1 MB and no body sent: an answer at all proves nothing was read.
    const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      void import('node:http').then(({ request }) => {
        const req = request(url, { method: 'POST', headers: { host: 'evil.example:80', 'content-length': String(1 << 20) } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: -32000, message: 'Invalid Host: evil.example' } });
    expect(servers.created).toBe(0);
    for (const name of ['localhost', '127.0.0.1']) expect((await raw(url, 'POST', initializeBody, { host: name })).status).toBe(200);
  });

  it('serves only allowedHosts when given, and any Host when bound elsewhere without them', async () => {
    const listed = await start({ allowedHosts: ['mcp.example'] });
    expect((await raw(listed.url, 'POST', initializeBody, { host: 'mcp.example:8080' })).status).toBe(200);
    expect((await raw(listed.url, 'POST', initializeBody, { host: 'localhost' })).status).toBe(403);

    // host: '0.0.0.0' (served here through handle() on a loopback listener, as an embedder would).
    const open = new McpHttpHost({ host: '0.0.0.0', createServer: () => new McpServer({ name: 'open', version: '1' }) });
    const http = createServer((req, res) => void open.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      await open.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    expect((await raw(url, 'POST', initializeBody, { host: 'evil.example' })).status).toBe(200);
  });

  it('answers 403 to an Origin not in allowedOrigins', async () => {
    const { url } = await start({ allowedOrigins: ['http://localhost:5173'] });
    const refused = await raw(url, 'POST', initializeBody, { origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { message: 'Invalid Origin header: http://evil.example' } });
    expect((await raw(url, 'POST', initializeBody, { origin: 'http://localhost:5173' })).status).toBe(200);
  });

  it('answers 413 to a declared 50 MB body without reading it', async () => {
    const { url } = await start();
    const cpu = process.cpuUsage();
    const response = await raw(url, 'POST', Buffer.alloc(50 * 1024 * 1024, 'a'));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toMatchObject({ error: { message: expect.stringMatching(/Payload Too Large/) } });
    // Reported, not asserted tightly: the client side builds the 50 MB buffer in this process too.
    console.log(`413 for a declared 50 MB body: ${((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000).toFixed(1)} ms CPU`);
  });

  it('answers 413 to a chunked body once it passes the limit, before the client has sent it all', async () => {
    const { url } = await start({ maxRequestBodySize: 64 * 1024 });
    const { status, sent } = await streamUntilAnswered(url, 50 * 1024 * 1024);
    expect(status).toBe(413);
    console.log(`chunked body: 413 after ${sent} bytes sent of 52428800`);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('answers 400 with a JSON-RPC parse error (-32700) to malformed JSON', async () => {
    const { host, url } = await start();
    const response = await raw(url, 'POST', '{"jsonrpc":');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(host.sessionCount).toBe(0);
  });
});

describe('McpHttpHost: the auth hook', () => {
  const bearer = (req: { headers: Record<string, string | string[] | undefined> }) => {
    const match = /^Bearer (\S+)$/.exec(String(req.headers['authorization'] ?? ''));
    return match ? { token: match[1]!, clientId: `client-${match[1]!}`, scopes: [] } : undefined;
  };

  it('hands its AuthInfo to createServer and to handlers; a session stays with the principal that opened it', async () => {
    const { url } = await start({ authenticate: bearer });
    const alice = await connect(url, { authorization: 'Bearer alice' });
    const result = await alice.client.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: `client-alice ${alice.transport.sessionId} client-alice` }]);

    const headers = { 'mcp-session-id': alice.transport.sessionId!, 'mcp-protocol-version': '2025-11-25' };
    expect((await raw(url, 'POST', toolsList, { ...headers, authorization: 'Bearer mallory' })).status).toBe(404);
    expect((await raw(url, 'POST', toolsList, headers)).status).toBe(404);
    expect((await raw(url, 'POST', toolsList, { ...headers, authorization: 'Bearer alice' })).status).toBe(200);
  });

  it('keeps apart principals whose client id and subject join to the same text (client "a:b" and client "a" with sub "b")', async () => {
    // Token → AuthInfo: "whole" is client `a:b` (say a URL client id) with no subject, "split" client `a` with subject `b`.
    const principals: Record<string, { clientId: string; sub?: string }> = {
      whole: { clientId: 'a:b' },
      split: { clientId: 'a', sub: 'b' },
    };
    const { url } = await start({
      authenticate: (req) => {
        const token = /^Bearer (\S+)$/.exec(String(req.headers['authorization'] ?? ''))?.[1];
        const who = token === undefined ? undefined : principals[token];
        return who && { token: token!, clientId: who.clientId, scopes: [], ...(who.sub ? { extra: { sub: who.sub } } : {}) };
      },
    });
    const whole = await connect(url, { authorization: 'Bearer whole' });
    const headers = { 'mcp-session-id': whole.transport.sessionId!, 'mcp-protocol-version': '2025-11-25' };
    expect((await raw(url, 'POST', toolsList, { ...headers, authorization: 'Bearer split' })).status).toBe(404);
    expect((await raw(url, 'POST', toolsList, { ...headers, authorization: 'Bearer whole' })).status).toBe(200);
  });

  it('lets the hook answer the request itself (false), e.g. 401', async () => {
    const { url, servers } = await start({
      authenticate: (req, res) => {
        const info = bearer(req);
        if (info) return info;
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return false;
      },
    });
    const response = await raw(url, 'POST', initializeBody);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(servers.created).toBe(0);
  });

  it('answers 500 "Internal error" when the hook throws, its message only in the log, and keeps serving', async () => {
    const logged = errorLog();
    let calls = 0;
    const { url } = await start({
      logger: logged,
      authenticate: () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down at auth.internal:8443');
        return undefined;
      },
    });
    expectLoggedNotShown(await raw(url, 'POST', initializeBody), logged, 'token service down at auth.internal:8443');
    expect((await raw(url, 'POST', initializeBody)).status).toBe(200);
  });
});

describe('McpHttpHost: faults', () => {
  it('answers 500 "Internal error" when createServer throws, its message only in the log, and serves the next session', async () => {
    const logged = errorLog();
    const { host, url } = await hostFailingFirst(logged, 'no server today: db.internal refused');
    expectLoggedNotShown(await raw(url, 'POST', initializeBody), logged, 'no server today: db.internal refused');
    expect((await raw(url, 'POST', initializeBody)).status).toBe(200);
    expect(host.sessionCount).toBe(1);
  });

  it('ends a response the hook began before it threw, and logs that it was cut short', async () => {
    const logged = errorLog();
    const { url } = await start({
      logger: logged,
      authenticate: (_req, res) => {
        res.writeHead(202, { 'content-type': 'text/plain' });
        res.write('begun');
        throw new Error('failed half-way');
      },
    });
    const response = await raw(url, 'POST', initializeBody);
    expect(response.status).toBe(202);
    expect(response.text).toBe('begun');
    expect(logged.errors).toHaveLength(1);
    expect(String(logged.errors[0]![0])).toContain('cut short');
    expect(String(logged.errors[0]![1])).toContain('failed half-way');
  });

  it('still answers 500 when its logger throws, and keeps serving', async () => {
    let logged = 0;
    const throwing = {
      error: () => {
        logged += 1;
        throw new Error('log sink down');
      },
    };
    const { url } = await hostFailingFirst(throwing, 'no server today');
    const failed = await raw(url, 'POST', initializeBody);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text)).toEqual(INTERNAL_ERROR);
    expect(logged).toBe(1);
    expect((await raw(url, 'POST', initializeBody)).status).toBe(200);
  });

  it('answers 500 "Internal error" when a fallback route throws, and logs the error', async () => {
    const logged = errorLog();
    const host = new McpHttpHost({ logger: logged, createServer: () => new McpServer({ name: 'fallback', version: '1' }) });
    const { url } = await host.listen({
      port: 0,
      fallback: () => {
        throw new Error('health check read /etc/secret');
      },
    });
    cleanups.push(() => host.close());
    expectLoggedNotShown(await raw(new URL('/health', url).href, 'GET'), logged, 'health check read /etc/secret');
  });

  it('answers 503 once closing, when embedded behind a server it does not own', async () => {
    const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'closing', version: '1' }) });
    const http = createServer((req, res) => void host.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    await host.close();
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    expect((await raw(url, 'POST', initializeBody)).status).toBe(503);
  });
});

describe('McpHttpHost: stateless (sessions: false)', () => {
  it('makes a server per POST, closes it after the response, and answers GET and DELETE with 405', async () => {
    const { host, url, servers } = await start({ sessions: false });
    const { client } = await connect(url);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'anonymous stateless -' }]);
    expect(host.sessionCount).toBe(0);
    await eventually(() => servers.closed === servers.created);
    expect(servers.created).toBeGreaterThanOrEqual(3); // initialize, notifications/initialized, tools/call
    const get = await raw(url, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect((await raw(url, 'DELETE')).status).toBe(405);
  });
});
