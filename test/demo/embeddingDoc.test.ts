import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBody, raw } from '../http/rawHttp.js';
import { codeBlockAfter, runDocProgram } from '../support/docProgram.js';
import type { DocProgram } from '../support/docProgram.js';
import { createTask, taskResult } from '../support/harness.js';

/*
 * docs/embedding.md's node:http and Express programs, each run exactly as written (only the
 * mcp-task-actors imports point at src/): a task over Streamable HTTP, and what McpHttpHost refuses.
 */
for (const heading of ['## Plain `node:http`', '## Express']) {
  describe(`docs/embedding.md: ${heading.slice(3)}`, () => {
    let program: DocProgram;
    let url: string;
    beforeAll(async () => {
      program = await runDocProgram(codeBlockAfter('docs/embedding.md', heading));
      url = program.url.href;
    }, 30_000);
    afterAll(async () => program?.dispose());

    it('serves a task tool to an SDK client over Streamable HTTP, and its own /health route', async () => {
      const client = new Client({ name: 'doc', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(program.url));
      try {
        const task = await createTask(client, 'wait', { ms: 10 });
        await expect(taskResult(client, task.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'waited 10 ms' }] });
      } finally {
        await client.close();
      }
      const health = new URL('/health', url).href;
      expect(await raw(health, 'GET')).toMatchObject({ status: 200, text: 'ok' });
      expect((await raw(health, 'GET', undefined, { host: 'evil.example' })).status).toBe(403);
    });

    it('answers 403 to a Host that is not loopback (DNS rebinding)', async () => {
      const response = await raw(url, 'POST', initializeBody, { host: 'evil.example' });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toMatchObject({ error: { message: 'Invalid Host: evil.example' } });
    });

    it('answers 413 to a body over the SDK transport’s 4 MB limit', async () => {
      expect((await raw(url, 'POST', Buffer.alloc(5 * 1024 * 1024, 'a'))).status).toBe(413);
    });

    it('answers 400 with a JSON-RPC parse error to malformed JSON, and 400 to a first request that is not initialize', async () => {
      const malformed = await raw(url, 'POST', '{"jsonrpc":');
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: -32700 } });
      expect((await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }))).status).toBe(400);
    });

    it('ends a session on DELETE; its id is then 404', async () => {
      const opened = await raw(url, 'POST', initializeBody);
      expect(opened.status).toBe(200);
      const sessionId = opened.headers['mcp-session-id'] as string;
      expect(sessionId).toBeTruthy();
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
      expect((await raw(url, 'DELETE', undefined, headers)).status).toBe(200);
      expect((await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers)).status).toBe(404);
    });

    it('exits 0 on SIGTERM once host, listener and tasks are closed, with a client still connected', async () => {
      const client = new Client({ name: 'doc', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(program.url));
      client.onerror = () => undefined; // its GET stream ends with the server
      await expect(program.terminate()).resolves.toBe(0);
      await client.close();
    });
  });
}
