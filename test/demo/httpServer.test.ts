import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import type { RunningHttpServer } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { testTaskSupport } from '../support/harness.js';

let tasks: TaskSupport;
let http: RunningHttpServer;

beforeAll(async () => {
  tasks = testTaskSupport();
  http = await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 20 }), { port: 0 });
});
afterAll(async () => {
  await http?.close();
  await tasks?.close();
});

/** One raw HTTP request (node:http, so the Host header can be anything). */
function raw(
  method: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      http.url,
      { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The server may answer (and close) before a large body is all sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('the demo HTTP host (issue 17: bodies and Host)', () => {
  it('answers 403 to an initialize with a Host that is not loopback (DNS rebinding)', async () => {
    const response = await raw('POST', initialize, { host: 'evil.example' });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toMatchObject({ error: { message: 'Invalid Host: evil.example' } });
  });

  it('answers 413 to a 50 MB body instead of reading it (the SDK transport’s 4 MB limit)', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x'.repeat(50 * 1024 * 1024), version: '1' } },
    });
    expect((await raw('POST', big)).status).toBe(413);
  });

  it('answers 400 with -32700 to malformed JSON, and still serves a well-formed initialize', async () => {
    const malformed = await raw('POST', '{"jsonrpc":');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: -32700 } });
    expect((await raw('POST', initialize)).status).toBe(200);
  });
});
