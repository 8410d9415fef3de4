/**
 * The SDK v2 demo routes and answers as the v1 demo's host (McpHttpHost) does: the endpoint is the
 * path `/mcp` exactly, in origin or absolute form (`GET /mcpx` was served as MCP, `POST
 * http://localhost/mcp` got 404), an absolute-form target naming another host than the Host header
 * is refused 400, and a 404 or a 500 is a JSON-RPC error body (they were plain text). Its printed
 * URL writes an IPv6 host in brackets (`http://::1:PORT/mcp` was no URL a client could use).
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpHttpHost } from '../../src/http/index.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { cannotListen } from '../../src/demo/lifecycle.js';
import { testTaskSupport } from '../support/harness.js';
import { initializeBody, raw } from '../http/rawHttp.js';
import type { RawResponse } from '../http/rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

async function demoOn(host = '127.0.0.1', prepare?: (tasks: ReturnType<typeof testTaskSupport>) => void) {
  const tasks = testTaskSupport();
  prepare?.(tasks);
  const demo = await serveHttpV2(tasks, 0, host);
  cleanups.push(
    () => tasks.close(),
    () => demo.close(),
  );
  return demo;
}

/** A request with the target sent exactly as given (an absolute-form one too), Host as given. */
function sendTarget(url: string, method: string, target: string, hostHeader: string, body?: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method,
        path: target,
        headers: { host: hostHeader, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const jsonRpcError = (code: number, message: string) => ({ jsonrpc: '2.0', id: null, error: { code, message } });

describe('the SDK v2 demo: routing and error bodies as the v1 host', () => {
  it('serves /mcp only: /mcpx and other paths get a JSON-RPC 404', async () => {
    const demo = await demoOn();
    const base = new URL(demo.url).origin;
    for (const path of ['/mcpx', '/mcp/', '/other']) {
      const answer = await raw(`${base}${path}`, 'GET');
      expect(answer.status, path).toBe(404);
      expect(answer.headers['content-type'], path).toBe('application/json');
      expect(JSON.parse(answer.text), path).toEqual(jsonRpcError(-32000, 'Not found'));
    }
    // The endpoint itself, with a query, is served.
    expect((await raw(`${demo.url}?x=1`, 'POST', initializeBody)).status).toBe(200);
  });

  it('serves an absolute-form target for its own host, and refuses one naming another host with 400', async () => {
    const demo = await demoOn();
    const { port } = new URL(demo.url);
    const own = await sendTarget(demo.url, 'POST', `http://localhost:${port}/mcp`, `localhost:${port}`, initializeBody);
    expect(own.status).toBe(200);
    expect(own.text).toContain('"protocolVersion"');
    const other = await sendTarget(demo.url, 'POST', 'http://evil.example/mcp', `localhost:${port}`, initializeBody);
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text)).toEqual(jsonRpcError(-32000, 'Bad Request: Host header does not match the request target'));
  });

  it('answers a failure 500 with a JSON-RPC -32603 "Internal error", the error only in the log', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // The one fault injected: the task-subscription front of v2's handler throws (as a bug there would).
    const demo = await demoOn('127.0.0.1', (tasks) =>
      vi.spyOn(tasks, 'withTaskSubscriptions').mockReturnValue(() => Promise.reject(new Error('broken at /secret/path'))),
    );
    const modern = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
    const answer = await raw(demo.url, 'POST', modern, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual(jsonRpcError(-32603, 'Internal error'));
    expect(logged).toHaveBeenCalledWith('mcp-task-actors demo: a request failed (answered 500)', expect.any(Error));
  });

  it('writes an IPv6 host in brackets in its URL, which a client can use', async () => {
    const demo = await demoOn('::1');
    expect(demo.url).toMatch(/^http:\/\/\[::1\]:\d+\/mcp$/);
    expect((await raw(demo.url, 'POST', initializeBody)).status).toBe(200);
  });

  it('brackets an IPv6 host in the v1 host URL and in the cannot-listen message too', async () => {
    const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'v6', version: '1' }), host: '::1' });
    cleanups.push(() => host.close());
    const { url } = await host.listen({ port: 0 });
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+\/mcp$/);
    expect(cannotListen('::1', 3000, new Error('listen EADDRINUSE')).message).toMatch(/^cannot listen on \[::1\]:3000: /);
    expect(cannotListen('127.0.0.1', 3000, new Error('listen EADDRINUSE')).message).toMatch(/^cannot listen on 127\.0\.0\.1:3000: /);
  });
});
