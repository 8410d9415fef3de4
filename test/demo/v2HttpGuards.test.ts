import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { MAX_BODY_BYTES } from '../../src/demo/httpGuards.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { testTaskSupport } from '../support/harness.js';

// The SDK v2 demo serves HTTP through its own node:http bridge; these are the guards SDK v1's
// transport gives the v1 demo: a Host check on loopback and a bounded body.
let tasks: TaskSupport;
let demo: { url: string; close(): Promise<void> };

beforeAll(async () => {
  tasks = testTaskSupport();
  demo = await serveHttpV2(tasks, 0, '127.0.0.1');
});
afterAll(async () => {
  await tasks.close();
  await demo.close();
});

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'guards-test', version: '1' } },
});

/** A raw POST, so the Host header and the body can be anything (fetch forbids setting Host). */
function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = new URL(demo.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The server may answer and close before an over-long body is written; that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

describe('the SDK v2 demo endpoint refuses what it must not read', () => {
  it('serves a loopback Host', async () => {
    const answer = await post(initialize);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"protocolVersion"');
  });

  it('refuses another Host name with 403 and a JSON-RPC error (DNS rebinding)', async () => {
    const answer = await post(initialize, { host: `attacker.example:${new URL(demo.url).port}` });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: `Invalid Host header: attacker.example:${new URL(demo.url).port}` },
    });
  });

  it('refuses a body over the limit with 413, declared or streamed, and goes on serving', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error).toEqual({ code: -32000, message: `Request body larger than ${MAX_BODY_BYTES} bytes` });

    // Chunked (no content-length): refused once the bytes read pass the limit.
    const streamed = await post(big, { 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);

    expect((await post(initialize)).status).toBe(200);
  });
});
