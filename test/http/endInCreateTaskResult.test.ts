// A task whose work ends before the answer to its tools/call goes out (work that returns at once)
// is answered with its end in the CreateTaskResult, and its end is not pushed again as a
// `notifications/tasks/status` on the session's stream: over Streamable HTTP that push was an SSE
// event per such task, its write and the client's parse about a tenth of a lifecycle's CPU (issue 14).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';

let tasks: TaskSupport;
let http: { url: string; close(): Promise<void> };
let client: Client;
const notified: { taskId: string; status: string }[] = [];

beforeAll(async () => {
  tasks = testTaskSupport();
  http = await serveHttp(
    tasks,
    (t) => {
      const server = new McpServer({ name: 'end-in-answer', version: '1' });
      t.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'done' }] }));
      t.registerTool(server, 'slow', { taskSupport: 'required' }, async () => {
        await sleep(50);
        return { content: [{ type: 'text', text: 'slow done' }] };
      });
      t.enable(server);
      return server;
    },
    { port: 0 },
  );
  client = new Client({ name: 'end-in-answer', version: '1' });
  client.fallbackNotificationHandler = async (n) => {
    if (n.method !== 'notifications/tasks/status') return;
    const { taskId, status } = n.params as { taskId: string; status: string };
    notified.push({ taskId, status });
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
});
afterAll(async () => {
  await client.close();
  await tasks.close();
  await http.close();
});

it('answers a task that ended before its CreateTaskResult with its end, and pushes no status for it', async () => {
  const instant = await createTask(client, 'instant', {});
  expect(instant.status).toBe('completed');
  expect((await taskResult(client, instant.taskId)).content).toEqual([{ type: 'text', text: 'done' }]);
  // A task still working when answered is answered `working`, and its end, with no tasks/result
  // waiting, is pushed: that push marks the point by which the instant task's would have come.
  const slow = await createTask(client, 'slow', {});
  expect(slow.status).toBe('working');
  await eventually(() => notified.some((n) => n.taskId === slow.taskId && n.status === 'completed'));
  expect(notified.filter((n) => n.taskId === instant.taskId)).toEqual([]);
});
