/**
 * The 2025-11-25 era on a sessionful SDK v2 server (one McpServer per session), against the SDK v2
 * client in its default (legacy) era: v2 lets a server answer task-augmented `tools/call` (with
 * `content: []` beside `task`, which v2's result check demands) and serve `tasks/*`, and server→client
 * requests work on a session, so the whole 2025-11-25 protocol runs, elicitation through tasks/result included.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { sessionfulV2Server, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const anyResult = z.looseObject({});
const question = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

/** `answer: false`: the client leaves every elicitation unanswered (the task stays in input_required). */
async function setUp(answer = true): Promise<{ client: Client; asked: string[] }> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const server = await sessionfulV2Server(tasks, (mcp) => {
    mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    tasks.registerTool(mcp, 'approve', { taskSupport: 'required', inputSchema: { item: z.string() } }, async ({ item }, task) => {
      const answer = await task.elicit({ message: `Approve ${item}?`, requestedSchema: question });
      return { content: [{ type: 'text', text: `${item}: ${answer.action}` }] };
    });
    tasks.registerTool(mcp, 'ask', { taskSupport: 'optional' }, async (_args, task) => {
      const answer = await task.elicit({ message: 'Inline?', requestedSchema: question });
      return { content: [{ type: 'text', text: `inline: ${answer.action}` }] };
    });
  });
  cleanups.push(() => server.close());
  const asked: string[] = [];
  const client = new Client({ name: 'legacy-v2-client', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params.message);
    if (!answer) return new Promise<never>(() => {});
    return { action: 'accept', content: { ok: true } };
  });
  await client.connect(new StreamableHTTPClientTransport(server.url));
  cleanups.push(() => client.close());
  return { client, asked };
}

describe('SDK v2 server, 2025-11-25 era, sessionful HTTP', () => {
  test('initialize declares tasks and the extension; tools/list shows execution.taskSupport', async () => {
    const { client } = await setUp();
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(client.getServerCapabilities()).toMatchObject({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => [tool.name, tool.execution?.taskSupport])).toEqual([
      ['echo', undefined],
      ['approve', 'required'],
      ['ask', 'optional'],
    ]);
  });

  test('an optional tool runs inline and its elicitation goes to the client on the call', async () => {
    const { client, asked } = await setUp();
    expect((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([{ type: 'text', text: 'inline: accept' }]);
    expect(asked).toEqual(['Inline?']);
  });

  test('a required tool without params.task is -32601', async () => {
    const { client } = await setUp();
    await expect(client.callTool({ name: 'approve', arguments: { item: 'x' } })).rejects.toMatchObject({ code: -32601 });
  });

  test('task flow: CreateTaskResult, tasks/get, elicitation (pushed or through tasks/result), tasks/list', async () => {
    const { client, asked } = await setUp();
    const created = await client.request(
      { method: 'tools/call', params: { name: 'approve', arguments: { item: 'invoice' }, task: { ttl: 60_000 } } },
      anyResult,
    );
    const task = (created as { task: { taskId: string; status: string; ttl: number } }).task;
    expect(task).toMatchObject({ status: 'working', ttl: 60_000 });
    const result = await client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, anyResult);
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'invoice: accept' }] });
    expect(asked).toEqual(['Approve invoice?']);
    expect(await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, anyResult)).toMatchObject({
      status: 'completed',
    });
    const listed = await client.request({ method: 'tasks/list', params: {} }, anyResult);
    expect((listed as { tasks: { taskId: string }[] }).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
  });

  test('tasks/cancel answers the cancelled task', async () => {
    // Unanswered: the elicitation may reach the client on its GET stream at once (no tasks/result open).
    const { client } = await setUp(false);
    const created = await client.request(
      { method: 'tools/call', params: { name: 'approve', arguments: { item: 'y' }, task: {} } },
      anyResult,
    );
    const { taskId } = (created as { task: { taskId: string } }).task;
    expect(await client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult)).toMatchObject({ taskId, status: 'cancelled' });
  });

  test('stateless legacy serving: an anonymous caller is not offered tasks/list in initialize, and is refused it', async () => {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const server = await statelessV2Server(tasks, (mcp) => {
      tasks.registerTool(mcp, 'quick', { taskSupport: 'optional' }, async () => ({ content: [{ type: 'text', text: 'quick' }] }));
    });
    cleanups.push(() => server.close());
    const client = new Client({ name: 'anonymous', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(server.url));
    cleanups.push(() => client.close());
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(client.getServerCapabilities()?.tasks).toEqual({ cancel: {}, requests: { tools: { call: {} } } });
    await expect(client.request({ method: 'tasks/list', params: {} }, anyResult)).rejects.toMatchObject({ code: -32601 });
    // Tasks themselves work: the task id is the capability.
    const created = await client.request({ method: 'tools/call', params: { name: 'quick', arguments: {}, task: {} } }, anyResult);
    const { taskId } = (created as { task: { taskId: string } }).task;
    expect(await client.request({ method: 'tasks/result', params: { taskId } }, anyResult)).toMatchObject({
      content: [{ type: 'text', text: 'quick' }],
    });
  });
});
