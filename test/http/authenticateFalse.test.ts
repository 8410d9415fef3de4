/**
 * An `authenticate` hook returns `false` to say it answered the request itself. One that returned
 * false and wrote nothing (a `return false` for "refused", the answer forgotten) left the request
 * open until the client gave up: the host now answers 401 with a JSON-RPC error, with the headers the
 * hook set, or the error status the hook set (`res.statusCode = 403`; before, 401 whatever it set).
 * A hook's own answer is kept; one it began is left to it: the host ended it, which cut the hook's
 * later `res.end(body)` short (a write after end: the rest never reached the client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpHttpHost } from '../../src/http/index.js';
import type { Authenticate } from '../../src/http/index.js';
import { initializeBody, raw, within } from './rawHttp.js';

const hosts: McpHttpHost[] = [];
const serverCounts: (() => number)[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  expect(serverCounts.splice(0).map((count) => count())).toEqual([0]);
});

/** A listening host whose hook is `authenticate` (after the test: checked to have made no server); resolves with its URL. */
async function hostWith(authenticate: Authenticate, sessions = true): Promise<string> {
  let servers = 0;
  const host = new McpHttpHost({
    createServer: () => {
      servers++;
      return new McpServer({ name: 'auth', version: '1' });
    },
    authenticate,
    sessions,
  });
  hosts.push(host);
  const { url } = await host.listen({ port: 0 });
  // No server is made for a refused request.
  serverCounts.push(() => servers);
  return url;
}

/** How long an answer may take before the request counts as left hanging (a timer: a hang sends no event). */
const HANG_MS = 3_000;
const UNAUTHORIZED = { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Unauthorized' } };

describe('an authenticate hook that returns false', () => {
  it.each([
    ['sessionful', true],
    ['stateless', false],
  ] as const)('(%s) having written nothing: the host answers 401 with a JSON-RPC error', async (_mode, sessions) => {
    const url = await hostWith(() => false, sessions);
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).not.toBe('still open');
    if (answer === 'still open') return;
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual(UNAUTHORIZED);
  });

  it('async, having set WWW-Authenticate only: the 401 carries it', async () => {
    const url = await hostWith(async (_req: IncomingMessage, res: ServerResponse): Promise<false> => {
      res.setHeader('www-authenticate', 'Bearer realm="mcp"');
      return false;
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer realm="mcp"' } });
  });

  it('having begun its own answer and ending it later: that answer, whole', async () => {
    const url = await hostWith((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.write('go away');
      // After the host has seen `false`.
      setImmediate(() => res.end(', and stay away'));
      return false;
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).toMatchObject({ status: 403, text: 'go away, and stay away' });
  });

  it.each([
    [403, 'Forbidden'],
    [429, 'Too Many Requests'],
    [503, 'Service Unavailable'],
    // A status Node has no name for is named by its number (it was called "Unauthorized").
    [499, 'HTTP 499'],
  ])('having set res.statusCode %i only: answered with it and a JSON-RPC error', async (status, name) => {
    const url = await hostWith((_req, res) => {
      res.statusCode = status;
      return false;
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).toMatchObject({ status, headers: { 'content-type': 'application/json' } });
    if (answer !== 'still open')
      expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: name } });
  });

  it('(guard) having set a status that is no error (302): answered 401', async () => {
    const url = await hostWith((_req, res) => {
      res.statusCode = 302;
      return false;
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).toMatchObject({ status: 401 });
    if (answer !== 'still open') expect(JSON.parse(answer.text)).toEqual(UNAUTHORIZED);
  });

  it('(guard) having answered: its answer is kept as it wrote it', async () => {
    const url = await hostWith((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('no');
      return false;
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).toMatchObject({ status: 401, text: 'no', headers: { 'www-authenticate': 'Bearer' } });
  });
});
