import { describe, expect, it } from 'vitest';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('notifications/tasks/status', () => {
  it('is sent on every status change and status message, without related-task _meta', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'n' });
    const job = await ctx.jobs.get('n');
    await job.task.status('step 1');
    await job.task.status('step 2');
    job.finish();
    await taskResult(ctx.session.client, task.taskId);
    await eventually(() => ctx.session.notifications.length >= 3);
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

  it('reports the cancelled status with the reason', async () => {
    const task = await createTask(ctx.session.client, 'forever', { key: 'nc' });
    await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    await eventually(() => ctx.session.notifications.some((n) => (n.params as { status?: string }).status === 'cancelled'));
    const cancelled = ctx.session.notifications.find((n) => (n.params as { status?: string }).status === 'cancelled');
    expect(cancelled?.params).toMatchObject({ taskId: task.taskId, statusMessage: 'Cancelled by the client' });
  });
});
