/**
 * A 2025-11-25 task that elicits, read with `tasks/result` from a stateless server in JSON-response
 * mode (SDK v1's transport with `enableJsonResponse` and no session id, a server per POST, the
 * clients assumed able to elicit: `statelessClientCapabilities`). No stream can carry the task's
 * request there: the POST's answer is all its response holds, and there is no session, so no GET
 * stream. Before, `tasks/result` left the request queued (no standalone stream open) and waited for
 * the task's end, which never came: the call hung and the task stayed `input_required` until its
 * ttl. Now `tasks/result` answers at once with a JSON-RPC error of one line saying why, and the
 * request stays queued (ConnectionPort.sessionless, TaskResultHandler).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { testTaskSupport } from '../../support/harness.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function statelessJsonServer(): Promise<string> {
  const tasks = testTaskSupport({ statelessClientCapabilities: { elicitation: { form: {} } } });
  const http = createServer((req, res) => {
    void (async () => {
      const server = new McpServer({ name: 'stateless-json', version: '1' });
      tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'Approve?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
      await server.connect(transport);
      res.once('close', () => void server.close());
      await transport.handleRequest(req, res);
    })();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await tasks.close();
  });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

type Answer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

it('stateless, JSON-response mode: tasks/result of a task asking for input answers at once with an error, not never', async () => {
  const url = await statelessJsonServer();
  const gone = new AbortController();
  cleanups.push(() => gone.abort());
  const post = async (id: number, method: string, params: unknown): Promise<Answer> => {
    const response = await fetch(url, {
      method: 'POST',
      signal: gone.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    return (await response.json()) as Answer;
  };
  const created = await post(1, 'tools/call', { name: 'approve', arguments: {}, task: {} });
  const taskId = (created.result as { task: { taskId: string } }).task.taskId;
  await expect.poll(async () => ((await post(2, 'tasks/get', { taskId })).result as { status: string }).status).toBe('input_required');
  const started = Date.now();
  const answered = await Promise.race([
    post(3, 'tasks/result', { taskId }),
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 3000)),
  ]);
  expect(answered).not.toBe('still waiting');
  const { error } = answered as Answer;
  expect(error?.code).toEqual(expect.any(Number));
  expect(error?.message).toMatch(/elicitation\/create/);
  expect(error?.message).not.toContain('\n');
  expect(Date.now() - started).toBeLessThan(2000);
});
