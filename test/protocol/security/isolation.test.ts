import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('isolation between sessions', () => {
  it('hides a task from another session: get, result and cancel answer -32602, list never shows it', async () => {
    const other = await ctx.connect();
    const mine = await createTask(ctx.session.client, 'job', { key: 'iso' });
    const theirs = await createTask(other.client, 'quick', { text: 'theirs' });
    // Each rejection taken as its call is made (binding.test.ts strangerAttempts says why).
    const attempts = [
      other.client.experimental.tasks.getTask(mine.taskId),
      taskResult(other.client, mine.taskId),
      other.client.experimental.tasks.cancelTask(mine.taskId),
    ].map((call) => rpcError(call));
    for (const attempt of attempts) expect((await attempt).code).toBe(ErrorCode.InvalidParams);
    expect((await other.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([theirs.taskId]);
    expect((await ctx.session.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([mine.taskId]);
    // The failed attempts changed nothing.
    expect((await ctx.session.client.experimental.tasks.getTask(mine.taskId)).status).toBe('working');
    (await ctx.jobs.get('iso')).finish();
    expect((await taskResult(ctx.session.client, mine.taskId)).content).toEqual([{ type: 'text', text: 'done iso' }]);
  });

  it('lets a task outlive its session: the work runs to its end and the result is kept', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'outlive' });
    const job = await ctx.jobs.get('outlive');
    await ctx.session.close();
    expect(job.task.signal.aborted).toBe(false);
    const record = await ctx.tasks.store.get(task.taskId);
    job.finish();
    await eventually(async () => (await ctx.tasks.store.get(task.taskId))?.status === 'completed');
    expect((await ctx.tasks.store.get(task.taskId))?.status).toBe('completed');
    // Still running after its session closed, until the work finished.
    expect(record?.status).toBe('working');
    expect(await ctx.tasks.store.getOutcome(task.taskId)).toEqual({
      type: 'result',
      result: { content: [{ type: 'text', text: 'done outlive' }] },
    });
  });
});
