import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext, TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// A work that runs on after its task was forgotten (its ttl ran out while it ignored its signal,
// or it left a continuation behind) and then logs: with no session to take the notification, it
// was queued for a tasks/result that can never come, under a task nothing would clear again.

let tasks: TaskSupport;
let session: Session;
let context: TaskContext | undefined;
let finish: ReturnType<typeof deferred<CallToolResult>>;

function setup(server: McpServer): void {
  // Ignores its signal: ends only when the test says so.
  tasks.registerTool(server, 'deaf', { taskSupport: 'required' }, (_args, task) => {
    context = task;
    return finish.promise;
  });
}

beforeEach(async () => {
  context = undefined;
  finish = deferred<CallToolResult>();
  tasks = testTaskSupport();
  session = await connectInMemory(tasks, setup);
});
afterEach(async () => {
  finish.resolve({ content: [] });
  await session.close();
  await tasks.close();
});

async function lateNotifications(task: TaskContext): Promise<void> {
  await task.log('info', 'late');
  await task.progress(1, 2);
  await task.status('late status');
}

describe('notifications from a work whose task was forgotten', () => {
  it('leave nothing queued after the ttl ended the task while the work ran on', async () => {
    const task = await createTask(session.client, 'deaf', {}, 100);
    await eventually(() => context !== undefined);
    await eventually(() => census(tasks).storeRecords === 0);
    await session.close();
    await lateNotifications(context!);
    expect(await tasks.store.get(task.taskId)).toBeUndefined();
    expect(census(tasks)).toMatchObject({ engineLive: 0, storeRecords: 0, queueEntries: 0, queueWaiters: 0 });
  });

  it('leave nothing queued when they come after the completed task’s ttl', async () => {
    const task = await createTask(session.client, 'deaf', {}, 150);
    await eventually(() => context !== undefined);
    finish.resolve({ content: [{ type: 'text', text: 'done' }] });
    await taskResult(session.client, task.taskId);
    await session.close();
    await eventually(() => census(tasks).storeRecords === 0);
    await lateNotifications(context!);
    expect(census(tasks)).toMatchObject({ engineLive: 0, storeRecords: 0, queueEntries: 0 });
  });

  it('are still queued for a tasks/result while the ended task is kept', async () => {
    const task = await createTask(session.client, 'deaf', {}, 5_000);
    await eventually(() => context !== undefined);
    await session.client.experimental.tasks.cancelTask(task.taskId);
    await session.close();
    await context!.log('info', 'after the cancel');
    await sleep(10);
    expect(census(tasks)).toMatchObject({ storeRecords: 1, queueEntries: 1 });
  });
});
