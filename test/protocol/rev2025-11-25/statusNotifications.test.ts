import { describe, expect, it } from 'vitest';
import { createTask, eventually, taskResult, workerSplit } from '../../support/harness.js';
import { resultsAttached } from '../../support/resultsAttached.js';
import { useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('notifications/tasks/status', () => {
  it('is sent on every status change and status message, without related-task _meta', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'n' });
    const job = await ctx.jobs.get('n');
    await job.task.status('step 1');
    await job.task.status('step 2');
    job.finish();
    // Read once the end is notified: a tasks/result already waiting would bring the end instead.
    await eventually(() => ctx.session.notifications.length >= 3);
    await taskResult(ctx.session.client, task.taskId);
    const statuses = ctx.session.notifications.filter((n) => n.method === 'notifications/tasks/status');
    expect(
      statuses.map(
        (n) => (n.params as { status: string; statusMessage?: string }).statusMessage ?? (n.params as { status: string }).status,
      ),
    ).toEqual(['step 1', 'step 2', 'completed']);
    for (const n of statuses) {
      expect(n.params).toMatchObject({ taskId: task.taskId, ttl: task.ttl, createdAt: task.createdAt });
      expect((n.params as { _meta?: unknown })._meta).toBeUndefined();
    }
  });

  it('is left out for the end while a tasks/result of the task waits, which brings the end itself', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'w' });
    const job = await ctx.jobs.get('w');
    const result = taskResult(ctx.session.client, task.taskId);
    // On a worker pool the front, which runs no task, relays every stored status, the end included.
    if (!workerSplit) await eventually(() => resultsAttached(ctx.tasks, task.taskId) === 1);
    await job.task.status('step 1');
    job.finish();
    expect((await result).content).toBeDefined();
    // Another task's end, notified as usual, marks the point by which this one's would have come.
    const marker = await createTask(ctx.session.client, 'job', { key: 'w2' });
    (await ctx.jobs.get('w2')).finish();
    await eventually(() => ctx.session.notifications.some((n) => (n.params as { taskId?: string }).taskId === marker.taskId));
    const mine = ctx.session.notifications.filter((n) => (n.params as { taskId?: string }).taskId === task.taskId);
    const seen = mine.map((n) => (n.params as { statusMessage?: string }).statusMessage ?? (n.params as { status: string }).status);
    expect(seen).toEqual(workerSplit ? ['step 1', 'completed'] : ['step 1']);
    expect(await ctx.session.client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'completed' });
  });

  it('is left out for a cancel from the task’s own session, whose answer brings the cancelled task', async () => {
    const task = await createTask(ctx.session.client, 'forever', { key: 'nc' });
    const cancelled = await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled', statusMessage: 'Cancelled by the client' });
    // Another task's end, notified as usual, marks the point by which this one's would have come.
    const marker = await createTask(ctx.session.client, 'job', { key: 'nc2' });
    (await ctx.jobs.get('nc2')).finish();
    await eventually(() => ctx.session.notifications.some((n) => (n.params as { taskId?: string }).taskId === marker.taskId));
    const mine = ctx.session.notifications.filter((n) => (n.params as { taskId?: string }).taskId === task.taskId);
    // On a worker pool the front, which runs no task, relays the stored end.
    expect(mine.map((n) => (n.params as { status: string }).status)).toEqual(workerSplit ? ['cancelled'] : []);
  });
});

describe('notifications/tasks/status, callers told apart by nothing (anonymous)', () => {
  const shared = useJobSession({ unidentifiedCallers: 'anonymous' });

  it('reports a cancel from another session to the task’s own, with the reason', async () => {
    const task = await createTask(shared.session.client, 'forever', { key: 'nx' });
    const other = await shared.connect();
    await other.client.experimental.tasks.cancelTask(task.taskId);
    await eventually(() => shared.session.notifications.some((n) => (n.params as { status?: string }).status === 'cancelled'));
    const cancelled = shared.session.notifications.find((n) => (n.params as { status?: string }).status === 'cancelled');
    expect(cancelled?.params).toMatchObject({ taskId: task.taskId, statusMessage: 'Cancelled by the client' });
    expect(other.notifications).toEqual([]);
  });
});
