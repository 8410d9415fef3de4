import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { createTask, eventually, serverSdkLine, taskResult, testTaskSupport } from '../support/harness.js';
import { rpcError } from '../support/session.js';

let tasks: TaskSupport;
let http: { url: string; close(): Promise<void> };
const clients: Client[] = [];

beforeAll(async () => {
  tasks = testTaskSupport();
  // The demo's own endpoint of the suite's SDK line (on v2 the one `npm start -- --sdk v2` serves:
  // these 2025-11-25 clients get its sessionful route).
  http =
    serverSdkLine === 'v2'
      ? await serveHttpV2(tasks, 0, '127.0.0.1', { secondMs: 20 })
      : await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 20 }), { port: 0 });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await tasks.close();
  await http.close();
});

async function connect(): Promise<{
  client: Client;
  statuses: string[];
  notified: { taskId: string; status: string }[];
  transport: StreamableHTTPClientTransport;
}> {
  const client = new Client({ name: 'http-test', version: '1' }, { capabilities: { elicitation: { form: {} }, sampling: {} } });
  const statuses: string[] = [];
  const notified: { taskId: string; status: string }[] = [];
  client.fallbackNotificationHandler = async (n) => {
    if (n.method !== 'notifications/tasks/status') return;
    const { taskId, status } = n.params as { taskId: string; status: string };
    statuses.push(status);
    notified.push({ taskId, status });
  };
  const transport = new StreamableHTTPClientTransport(new URL(http.url));
  await client.connect(transport);
  clients.push(client);
  return { client, statuses, notified, transport };
}

describe('over Streamable HTTP (the demo server)', () => {
  it('runs countdown as a task with status messages and its result', async () => {
    const { client, statuses, notified } = await connect();
    const task = await createTask(client, 'countdown', { seconds: 3 });
    expect(task.status).toBe('working');
    const result = await taskResult(client, task.taskId);
    expect(result.content).toEqual([{ type: 'text', text: 'countdown finished after 3 s' }]);
    expect(result._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
    const got = await client.experimental.tasks.getTask(task.taskId);
    expect(got.status).toBe('completed');
    // Its status messages came as notifications; its end came with the result the tasks/result
    // waited for, so no `completed` notification follows (a task that ends with no tasks/result
    // waiting is notified: test/protocol/rev2025-11-25/statusNotifications.test.ts).
    await eventually(() => statuses.includes('working'));
    // Another task's end, notified on the same stream since no tasks/result waits for it, marks
    // the point by which this one's would have come.
    const marker = await createTask(client, 'countdown', { seconds: 1 });
    await eventually(() => notified.some((n) => n.taskId === marker.taskId && n.status === 'completed'));
    expect(notified.filter((n) => n.taskId === task.taskId).map((n) => n.status)).not.toContain('completed');
  });

  it('runs countdown inline when called without task, and echo as a plain tool', async () => {
    const { client } = await connect();
    expect(await client.callTool({ name: 'countdown', arguments: { seconds: 1 } })).toEqual({
      content: [{ type: 'text', text: 'countdown finished after 1 s' }],
    });
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    expect((await rpcError(createTask(client, 'echo', { text: 'x' }))).code).toBe(ErrorCode.MethodNotFound);
  });

  it('fails countdown at failAt with an isError result', async () => {
    const { client } = await connect();
    const task = await createTask(client, 'countdown', { seconds: 5, failAt: 1 });
    expect(await taskResult(client, task.taskId)).toMatchObject({ isError: true, content: [{ text: 'countdown failed at second 1' }] });
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });

  it('answers approve through elicitation on the tasks/result stream', async () => {
    const { client, statuses } = await connect();
    const related: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      related.push(request.params._meta?.['io.modelcontextprotocol/related-task']);
      return { action: 'accept', content: { approved: true } };
    });
    const task = await createTask(client, 'approve', { action: 'deploy prod' });
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'approved: deploy prod' }]);
    expect(related).toEqual([{ taskId: task.taskId }]);
    // Status notifications travel on the standalone SSE stream, so they may trail the result. The
    // elicitation may go out on that stream before the tasks/result arrives, and the task end
    // before it too: `completed` is notified then, and left out when the tasks/result waited.
    await eventually(() => statuses.length >= 2);
    expect(statuses.slice(0, 2)).toEqual(['input_required', 'working']);
    expect(statuses.slice(2).every((status) => status === 'completed')).toBe(true);

    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'decline' }));
    const declined = await createTask(client, 'approve', { action: 'drop db' });
    expect((await taskResult(client, declined.taskId)).content).toEqual([{ type: 'text', text: 'rejected: drop db' }]);
  });

  it('rejects approve without task with -32601', async () => {
    const { client } = await connect();
    expect((await rpcError(client.callTool({ name: 'approve', arguments: { action: 'x' } }))).code).toBe(ErrorCode.MethodNotFound);
  });

  it('answers summarize through sampling', async () => {
    const { client } = await connect();
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      const text = (request.params.messages[0]?.content as { text: string }).text;
      return { role: 'assistant', model: 'm', content: { type: 'text', text: `summary of ${text.length} chars` } };
    });
    const task = await createTask(client, 'summarize', { text: 'abc' });
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'summary of 15 chars' }]);
  });

  it('cancels a running countdown', async () => {
    const { client } = await connect();
    const task = await createTask(client, 'countdown', { seconds: 3600 });
    const waiting = rpcError(taskResult(client, task.taskId));
    expect((await client.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    expect((await waiting).message).toBe(`MCP error -32603: Task ${task.taskId} was cancelled: Cancelled by the client`);
  });

  it('keeps a task running when its session ends, and keeps its result', async () => {
    const { client, transport } = await connect();
    const task = await createTask(client, 'countdown', { seconds: 2 });
    await transport.terminateSession();
    await client.close();
    await eventually(async () => (await tasks.store.get(task.taskId))?.status === 'completed');
    expect(await tasks.store.getOutcome(task.taskId)).toEqual({
      type: 'result',
      result: { content: [{ type: 'text', text: 'countdown finished after 2 s' }] },
    });
  });

  it('isolates sessions', async () => {
    const a = await connect();
    const b = await connect();
    const task = await createTask(a.client, 'countdown', { seconds: 1 });
    expect((await rpcError(b.client.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
    expect((await b.client.experimental.tasks.listTasks()).tasks).toEqual([]);
    expect((await a.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
  });
});
