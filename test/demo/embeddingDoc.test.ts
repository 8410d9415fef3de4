import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, taskResult } from '../support/harness.js';

/*
 * docs/embedding.md's node:http program, run exactly as written (only its `mcp-task-actors` import
 * points at src/): a task over Streamable HTTP, and the refusals the SDK's pieces give it.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(`${root}docs/embedding.md`, 'utf8');
const block = /## Plain `node:http`[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)![1]!;
const file = `${root}test/demo/.embedding-${randomBytes(4).toString('hex')}.ts`;
let child: ChildProcess;
let url: URL;

beforeAll(async () => {
  writeFileSync(file, block.replace("from 'mcp-task-actors'", "from '../../src/index.js'"));
  child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the program did not start:\n${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /MCP endpoint (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]!));
      }
    });
    child.once('exit', (code) => reject(new Error(`the program exited (${code}):\n${out}`)));
  });
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(file, { force: true });
});

/** One raw HTTP request (node:http, so the Host header can be anything). */
function raw(
  method: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
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

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('docs/embedding.md: the plain node:http program', () => {
  it('serves a task tool to an SDK client over Streamable HTTP', async () => {
    const client = new Client({ name: 'doc', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(url));
    try {
      const task = await createTask(client, 'wait', { ms: 10 });
      await expect(taskResult(client, task.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'waited 10 ms' }] });
    } finally {
      await client.close();
    }
  });

  it('answers 403 to a Host that is not loopback (DNS rebinding), before reading the body', async () => {
    const response = await raw('POST', initialize, { host: 'evil.example' });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toMatchObject({ error: { message: 'Invalid Host: evil.example' } });
  });

  it('answers 413 to a body over the SDK transport’s 4 MB limit', async () => {
    const response = await raw('POST', Buffer.alloc(5 * 1024 * 1024, 'a'));
    expect(response.status).toBe(413);
  });

  it('answers 400 with a JSON-RPC parse error to malformed JSON, and 400 to a first request that is not initialize', async () => {
    const malformed = await raw('POST', '{"jsonrpc":');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: -32700 } });
    const notInitialize = await raw('POST', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect(notInitialize.status).toBe(400);
  });

  it('ends a session on DELETE; its id is then 404', async () => {
    const opened = await raw('POST', initialize);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers['mcp-session-id'] as string;
    expect(sessionId).toBeTruthy();
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    expect((await raw('DELETE', undefined, headers)).status).toBe(200);
    expect((await raw('POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers)).status).toBe(404);
  });

  it('exits on SIGTERM once sessions, listener and tasks are closed', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
  });
});
