/**
 * McpHttpHost's session caps. Each initialize makes a server (the user's `createServer`) that lives
 * until DELETE or idle expiry, and the host had no cap on their number: one client could open
 * sessions until memory ran out, one principal could crowd out everyone else. Now `maxSessions`
 * (sessions plus requests opening one) and `maxSessionsPerPrincipal` refuse the next initialize with
 * 503, `Retry-After` and the library's -32029 limit error, before `createServer` is called, and every
 * way a session or an opening request ends gives its slot back.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import type { McpHttpHostOptions } from '../../src/http/index.js';
import { countingCloses } from '../support/counting.js';
import { eventually } from '../support/harness.js';
import { initializeBody, raw, stalledPost } from './rawHttp.js';
import type { RawResponse, StalledRequest } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two bearer tokens, two principals; no header: anonymous. */
function bearer(req: { headers: Record<string, string | string[] | undefined> }): AuthInfo | undefined {
  const match = /^Bearer (\S+)$/.exec(String(req.headers['authorization'] ?? ''));
  return match ? { token: match[1]!, clientId: `client-${match[1]!}`, scopes: [] } : undefined;
}

async function start(options: Partial<McpHttpHostOptions> = {}) {
  const servers = { created: 0, closed: 0 };
  const made: McpServer[] = [];
  const host = new McpHttpHost({
    createServer: () => {
      servers.created += 1;
      const server = new McpServer({ name: 'session-caps', version: '1' });
      server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      made.push(server);
      return countingCloses(server, servers);
    },
    authenticate: bearer,
    ...options,
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url, servers, made };
}

const as = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

async function connect(url: string, token?: string) {
  const client = new Client({ name: 'session-caps-client', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: as(token) } });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

/** A raw initialize: the session id when one was opened, else the response. */
async function initialize(url: string, token?: string): Promise<{ id?: string; response: RawResponse }> {
  const response = await raw(url, 'POST', initializeBody, as(token));
  const id = response.headers['mcp-session-id'];
  return typeof id === 'string' ? { id, response } : { response };
}

function deleteSession(url: string, id: string, token?: string): Promise<RawResponse> {
  return raw(url, 'DELETE', undefined, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', ...as(token) });
}

/** Expects the 503 + Retry-After + -32029 answer naming `limit`. */
function expectRefused(response: RawResponse, limit: 'maxSessions' | 'maxSessionsPerPrincipal', max: number): void {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(JSON.parse(response.text)).toEqual({
    jsonrpc: '2.0',
    id: null,
    error: {
      code: -32029,
      message:
        limit === 'maxSessions'
          ? `Too many sessions on this server (maxSessions ${max}); try again later`
          : `Too many sessions for this principal (maxSessionsPerPrincipal ${max}); close one first`,
      data: { limit, max },
    },
  });
}

/** An initialize whose body stops after 20 bytes, its socket destroyed after the test. */
function stalledInitialize(url: string): StalledRequest {
  const stalled = stalledPost(url);
  cleanups.push(async () => void stalled.socket.destroy());
  return stalled;
}

/** The host's slot counts (internal): what must be back at 0 once nothing is open. */
function slots(host: McpHttpHost): { size: number; principals: number } {
  const caps = (host as unknown as { caps: { size: number; principals: number } }).caps;
  return { size: caps.size, principals: caps.principals };
}

describe('McpHttpHost: maxSessions', () => {
  it('refuses the 4th initialize with 503, Retry-After and -32029 before createServer, and a closed session frees a slot', async () => {
    const { host, url, servers } = await start({ maxSessions: 3 });
    const open = [await connect(url), await connect(url), await connect(url)];
    expect(host.sessionCount).toBe(3);

    expectRefused((await initialize(url)).response, 'maxSessions', 3);
    // An SDK client sees the refusal as a failed connect.
    await expect(connect(url)).rejects.toThrow(/503|Too many sessions/);
    expect(servers.created).toBe(3);
    // Requests of open sessions are not refused.
    expect(await open[0]!.client.callTool({ name: 'ping', arguments: {} })).toMatchObject({ content: [{ text: 'pong' }] });

    // DELETE (the SDK client's terminateSession) gives the slot back.
    await open[0]!.transport.terminateSession();
    await eventually(() => host.sessionCount === 2);
    const fourth = await connect(url);
    expect(await fourth.client.callTool({ name: 'ping', arguments: {} })).toMatchObject({ content: [{ text: 'pong' }] });
    expect(servers.created).toBe(4);
    expectRefused((await initialize(url)).response, 'maxSessions', 3);
  });

  it('counts requests still opening a session (stalled bodies) and frees their slots when they are cut off', async () => {
    const { host, url, servers } = await start({ maxSessions: 2, requestBodyTimeoutMs: 300 });
    const stalled = [stalledInitialize(url), stalledInitialize(url)];
    await eventually(() => slots(host).size === 2);
    expect(host.sessionCount).toBe(0);

    expectRefused((await initialize(url)).response, 'maxSessions', 2);
    // No server for a body still arriving: it is made once the body has passed its checks.
    expect(servers.created).toBe(0);

    // Cut off (408) after requestBodyTimeoutMs: their slots given back, no server was ever made.
    for (const request of stalled) expect((await request.closed).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    await eventually(() => slots(host).size === 0);
    expect(servers).toEqual({ created: 0, closed: 0 });
    await connect(url);
    await connect(url);
    expect(host.sessionCount).toBe(2);
    expectRefused((await initialize(url)).response, 'maxSessions', 2);
  });
});

describe('McpHttpHost: maxSessionsPerPrincipal', () => {
  it("caps each authenticated principal on its own: one principal's full cap blocks neither another nor anonymous callers", async () => {
    const { host, url } = await start({ maxSessionsPerPrincipal: 3, maxSessions: 10 });
    const alice = [await connect(url, 'alice'), await connect(url, 'alice'), await connect(url, 'alice')];
    expectRefused((await initialize(url, 'alice')).response, 'maxSessionsPerPrincipal', 3);

    for (let i = 0; i < 3; i++) await connect(url, 'bob');
    expectRefused((await initialize(url, 'bob')).response, 'maxSessionsPerPrincipal', 3);
    // Anonymous callers count only toward maxSessions (10): 4 more fit.
    const anonymous = [];
    for (let i = 0; i < 4; i++) anonymous.push(await connect(url));
    expect(host.sessionCount).toBe(10);
    // The total cap is hit first once it is full, whoever asks.
    expectRefused((await initialize(url, 'carol')).response, 'maxSessions', 10);

    // closeSession frees alice's slot, for alice (with room under maxSessions too).
    expect(await host.closeSession(alice[0]!.transport.sessionId!)).toBe(true);
    await anonymous[0]!.transport.terminateSession();
    await eventually(() => host.sessionCount === 8);
    await connect(url, 'alice');
    expect(host.sessionCount).toBe(9);
    expectRefused((await initialize(url, 'alice')).response, 'maxSessionsPerPrincipal', 3);
  });
});

describe('McpHttpHost: session slots are given back', () => {
  it('after many open/close cycles through every way out, the counts are back at 0', async () => {
    const { host, url, made } = await start({ maxSessions: 4, maxSessionsPerPrincipal: 2, idleTimeoutMs: 1_000 });
    const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    for (let cycle = 0; cycle < 5; cycle++) {
      const base = made.length;
      const a1 = await initialize(url, 'alice');
      const a2 = await initialize(url, 'alice');
      const b1 = await initialize(url, 'bob');
      const anon = await initialize(url);
      expect([a1.id, a2.id, b1.id, anon.id].every((id) => typeof id === 'string')).toBe(true);
      // Refusals, a 413, a first request that is not initialize, malformed JSON: no session, no slot kept.
      expectRefused((await initialize(url, 'bob')).response, 'maxSessions', 4);
      expectRefused((await initialize(url, 'alice')).response, 'maxSessions', 4);
      // Every way a session ends: DELETE, closeSession, its server closing (transport close), idle expiry.
      expect((await deleteSession(url, a1.id!, 'alice')).status).toBe(200);
      expect(await host.closeSession(a2.id!)).toBe(true);
      expect((await initialize(url, 'bob')).id).toBeTypeOf('string');
      expectRefused((await initialize(url, 'bob')).response, 'maxSessionsPerPrincipal', 2);
      await made[base + 2]!.close(); // b1's server, closed by its side
      expect((await raw(url, 'POST', 'x'.repeat(5 * 1024 * 1024), as('bob'))).status).toBe(413);
      expect((await raw(url, 'POST', toolsList, as('alice'))).status).toBe(400);
      expect((await raw(url, 'POST', '{"jsonrpc":', as('alice'))).status).toBe(400);
      await eventually(() => host.sessionCount === 0, 3_000); // anon's and bob's second: idle expiry
    }
    expect(slots(host)).toEqual({ size: 0, principals: 0 });

    // Exactly the caps again (a count below 0 would let more in).
    await initialize(url, 'alice');
    await initialize(url, 'alice');
    expectRefused((await initialize(url, 'alice')).response, 'maxSessionsPerPrincipal', 2);
    await initialize(url, 'bob');
    await initialize(url);
    expectRefused((await initialize(url)).response, 'maxSessions', 4);

    await host.close();
    expect(slots(host)).toEqual({ size: 0, principals: 0 });
  });
});

describe('McpHttpHost: session cap options', () => {
  it('throws a RangeError for a cap that is not an integer of at least 1 or Infinity', () => {
    const createServer = (): McpServer => new McpServer({ name: 'never', version: '1' });
    for (const bad of [-1, 0, Number.NaN, 1.5]) {
      expect(() => new McpHttpHost({ createServer, maxSessions: bad })).toThrow(RangeError);
      expect(() => new McpHttpHost({ createServer, maxSessionsPerPrincipal: bad })).toThrow(RangeError);
    }
    expect(() => new McpHttpHost({ createServer, maxSessions: Infinity, maxSessionsPerPrincipal: Infinity })).not.toThrow();
  });

  it('Infinity turns a cap off', async () => {
    const { host, url } = await start({ maxSessions: Infinity, maxSessionsPerPrincipal: Infinity });
    for (let i = 0; i < 120; i++) expect((await initialize(url, 'alice')).id).toBeTypeOf('string');
    expect(host.sessionCount).toBe(120);
  });

  it('defaults to 100 per principal (anonymous callers are not capped per principal)', async () => {
    const { host, url } = await start();
    for (let i = 0; i < 100; i++) expect((await initialize(url, 'alice')).id).toBeTypeOf('string');
    expectRefused((await initialize(url, 'alice')).response, 'maxSessionsPerPrincipal', 100);
    for (let i = 0; i < 101; i++) expect((await initialize(url)).id).toBeTypeOf('string');
    expect(host.sessionCount).toBe(201);
  });

  it('does not apply to a stateless host (sessions: false): it keeps no sessions', async () => {
    const { url, servers } = await start({ sessions: false, maxSessions: 1, maxSessionsPerPrincipal: 1 });
    const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const answers = await Promise.all([1, 2, 3].map(() => raw(url, 'POST', toolsList, as('alice'))));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await eventually(() => servers.closed === 3);
  });
});
