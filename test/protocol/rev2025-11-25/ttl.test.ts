import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, taskResult, workerSplit } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('ttl', () => {
  it('deletes a running task at the end of its ttl: work aborted, actor gone, waiters answered', async () => {
    // On a worker pool the work must start before the ttl ends, or the front withdraws the job and
    // there is no work to abort: at 150 ms that happened once in about 13 loaded runs.
    const task = await createTask(ctx.session.client, 'forever', { key: 't1' }, workerSplit ? 1_000 : 150);
    const error = await rpcError(taskResult(ctx.session.client, task.taskId));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    // The -32602 comes from the deadline itself, which may be read before the runner's expiry timer
    // fires (a worker pool's worker, a loaded event loop): the abort follows, it need not come first.
    await eventually(() => ctx.jobs.aborts.includes('t1'));
    await eventually(() => ctx.tasks.liveTaskActors === 0);
    expect((await rpcError(ctx.session.client.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it('deletes a finished task and its result at the end of its ttl, counting from creation', async () => {
    const created = Date.now();
    // 1 s, not less: the reads below must come before the deadline even on a loaded machine (at
    // 200 ms a worker-pool run once found the task gone already).
    const task = await createTask(ctx.session.client, 'quick', { text: 'x' }, 1_000);
    await taskResult(ctx.session.client, task.taskId);
    expect((await ctx.session.client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
    await eventually(async () => (await ctx.tasks.store.get(task.taskId)) === undefined, 5_000);
    expect(Date.now() - created).toBeGreaterThanOrEqual(995);
    expect((await ctx.session.client.experimental.tasks.listTasks()).tasks).toEqual([]);
    expect(await ctx.tasks.queue.dequeueAll(task.taskId)).toEqual([]);
    expect(await ctx.tasks.queue.outstanding(task.taskId)).toEqual([]);
  });

  it('keeps other tasks when one expires', async () => {
    const short = await createTask(ctx.session.client, 'forever', { key: 's' }, 100);
    const long = await createTask(ctx.session.client, 'job', { key: 'l' }, 60_000);
    await rpcError(taskResult(ctx.session.client, short.taskId));
    (await ctx.jobs.get('l')).finish();
    expect((await taskResult(ctx.session.client, long.taskId)).content).toEqual([{ type: 'text', text: 'done l' }]);
  });
});
