/**
 * McpHttpHost answers a method its endpoint does not serve 405 with an `Allow` header, as the SDK
 * transport does (this file runs in the sdk-v1-lowest project too). With sessions on, such a request
 * without a session id was answered 400 "Mcp-Session-Id header is required", as though a session id
 * would have made it one the endpoint serves.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../../src/http/index.js';
import { initializeBody, raw } from '../../http/rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(sessions: boolean) {
  const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'methods', version: '1' }), sessions });
  cleanups.push(() => host.close());
  const { url } = await host.listen({ port: 0 });
  return { host, url };
}

const notAllowed = { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } };

describe('McpHttpHost: methods the endpoint does not serve', () => {
  it.each(['PUT', 'PATCH', 'OPTIONS'])('answers %s 405 with Allow, with a session id, an unknown one or none', async (method) => {
    const { host, url } = await listening(true);
    const opened = await raw(url, 'POST', initializeBody);
    const sessionId = String(opened.headers['mcp-session-id']);
    const cases: Record<string, string>[] = [{}, { 'mcp-session-id': sessionId }, { 'mcp-session-id': 'unknown' }];
    for (const headers of cases) {
      // No body: Node's client frames none for OPTIONS (no Content-Length, not chunked).
      const answer = await raw(url, method, undefined, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(405);
      expect(answer.headers['allow']).toBe('GET, POST, DELETE');
      expect(JSON.parse(answer.text)).toEqual(notAllowed);
    }
    // The session is not touched by them.
    expect(host.sessionCount).toBe(1);
  });

  it('answers HEAD 405 with Allow and no body', async () => {
    const { url } = await listening(true);
    const answer = await raw(url, 'HEAD');
    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('GET, POST, DELETE');
    expect(answer.text).toBe('');
  });

  it('still asks a GET or DELETE without a session id for one (400), and a stateless endpoint allows POST only', async () => {
    const { url } = await listening(true);
    for (const method of ['GET', 'DELETE']) {
      const answer = await raw(url, method);
      expect(answer.status, method).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { message: 'Bad Request: Mcp-Session-Id header is required' } });
    }
    const stateless = await listening(false);
    const put = await raw(stateless.url, 'PUT', '{}');
    expect(put.status).toBe(405);
    expect(put.headers['allow']).toBe('POST');
    expect(JSON.parse(put.text)).toMatchObject({ error: { code: -32000, message: 'Method not allowed: stateless server' } });
  });
});
