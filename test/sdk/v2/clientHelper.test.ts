/**
 * The library's client helper (`mcp-task-actors/client`) on the SDK v2 client in the 2026-07-28 era,
 * against a stateless SDK v2 server: inline results, a task with an elicitation answered through
 * `onElicitation`, and an abort that cancels the task. The task-creating `tools/call` goes through
 * `rawToolCall` (the v2 client's own transport), because the v2 Client refuses `resultType: "task"`.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TasksExtensionClient } from '../../../src/client/index.js';
import { TaskSupport } from '../../../src/index.js';
import { modernClient, rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tools(tasks: TaskSupport) {
  return (server: McpServer): void => {
    tasks.registerTool(server, 'quick', { taskSupport: 'optional' }, async () => ({ content: [{ type: 'text', text: 'quick' }] }));
    tasks.registerTool(server, 'approve', { taskSupport: 'required', inputSchema: { item: z.string() } }, async ({ item }, task) => {
      const answer = await task.elicit({
        message: `Approve ${item}?`,
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
      });
      return { content: [{ type: 'text', text: `${item}: ${answer.action}` }] };
    });
    tasks.registerTool(server, 'forever', { taskSupport: 'required' }, async (_args, task) => {
      await new Promise<void>((_resolve, reject) =>
        task.signal.addEventListener('abort', () => reject(task.signal.reason as Error), { once: true }),
      );
      return { content: [] };
    });
  };
}

async function setUp(options: ConstructorParameters<typeof TasksExtensionClient>[1] = {}) {
  const tasks = TaskSupport.inMemory({ pollInterval: 20, limits: { minPollInterval: 10 } });
  cleanups.push(() => tasks.close());
  const server = await statelessV2Server(tasks, tools(tasks));
  cleanups.push(() => server.close());
  const client = await modernClient(server.url, true);
  cleanups.push(() => client.close());
  const helper: TasksExtensionClient = new TasksExtensionClient(client, {
    ...options,
    rawToolCall: async (params) => {
      const answer = await rawModernRequest(server.url, 'tools/call', params, helper.capabilities as Record<string, unknown>);
      if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
      return answer.result!;
    },
  });
  return { tasks, helper };
}

describe('TasksExtensionClient on the SDK v2 client', () => {
  test('an inline result; a task whose elicitation onElicitation answers', async () => {
    const asked: string[] = [];
    const { helper } = await setUp({
      onElicitation: async (params) => {
        asked.push(params.message);
        return { action: 'accept', content: { ok: true } };
      },
    });
    expect(await helper.callTool({ name: 'quick', arguments: {} })).toMatchObject({ content: [{ type: 'text', text: 'quick' }] });
    const created: string[] = [];
    const result = await helper.callTool(
      { name: 'approve', arguments: { item: 'invoice' } },
      { onTaskCreated: (task) => created.push(task.taskId) },
    );
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'invoice: accept' }] });
    expect(created).toHaveLength(1);
    expect(asked).toEqual(['Approve invoice?']);
  });

  test('an abort cancels the task', async () => {
    const { helper } = await setUp();
    const abort = new AbortController();
    let taskId = '';
    const call = helper.callTool(
      { name: 'forever', arguments: {} },
      { signal: abort.signal, onTaskCreated: (task) => (taskId = task.taskId) },
    );
    const settled = call.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    while (!taskId) await new Promise((resolve) => setTimeout(resolve, 5));
    abort.abort(new Error('user gave up'));
    expect(await settled).toMatchObject({ message: 'user gave up' });
    expect(await helper.getTask(taskId)).toMatchObject({ status: 'cancelled' });
  });
});
