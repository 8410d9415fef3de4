import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, taskResult, workerSplit } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('tasks/cancel', () => {
  it('answers with the task already cancelled and aborts the work', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'c1' });
    const job = await ctx.jobs.get('c1');
    const cancelled = await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.taskId).toBe(task.taskId);
    // Split: the front stores the cancel and tells the worker over the cluster channel, so the
    // worker aborts the work a moment after the reply. In one instance the reply waits for it.
    if (workerSplit) await eventually(() => job.task.signal.aborted);
    expect(job.task.signal.aborted).toBe(true);
    expect((await ctx.session.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  });

  it('keeps the task cancelled when the work finishes anyway', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'c2' });
    const job = await ctx.jobs.get('c2');
    await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    job.finish();
    await new Promise((r) => setTimeout(r, 20));
    expect((await ctx.session.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
    expect((await rpcError(taskResult(ctx.session.client, task.taskId))).message).toContain('cancelled');
  });

  it('ends work that never ends and leaves no actor behind', async () => {
    const task = await createTask(ctx.session.client, 'forever', { key: 'c3' });
    await eventually(() => ctx.tasks.liveTaskActors === 1);
    await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    // Split: tasks/cancel answers once the cancel is stored and sent to the worker, which aborts
    // the work right after; in process it answers after the actor ended.
    if (workerSplit) await eventually(() => ctx.jobs.aborts.includes('c3') && ctx.tasks.liveTaskActors === 0, 1_000);
    expect(ctx.jobs.aborts).toContain('c3');
    expect(ctx.tasks.liveTaskActors).toBe(0);
  });

  it('rejects cancelling a terminal task with -32602 and keeps its outcome', async () => {
    const task = await createTask(ctx.session.client, 'quick', { text: 'kept' });
    await taskResult(ctx.session.client, task.taskId);
    const error = await rpcError(ctx.session.client.experimental.tasks.cancelTask(task.taskId));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain('completed');
    expect((await taskResult(ctx.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'kept' }]);
  });

  it('rejects cancelling twice with -32602', async () => {
    const task = await createTask(ctx.session.client, 'forever', { key: 'c4' });
    await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    expect((await rpcError(ctx.session.client.experimental.tasks.cancelTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it('answers -32602 for an unknown task', async () => {
    expect((await rpcError(ctx.session.client.experimental.tasks.cancelTask('nope'))).code).toBe(ErrorCode.InvalidParams);
  });
});
