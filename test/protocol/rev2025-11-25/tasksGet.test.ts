import { describe, expect, it } from 'vitest';
import { ErrorCode, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('tasks/get', () => {
  it('returns the task with status message and no related-task _meta', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'g' });
    const job = await ctx.jobs.get('g');
    await job.task.status('half way');
    const got = await ctx.session.client.experimental.tasks.getTask(task.taskId);
    expect(got).toMatchObject({ taskId: task.taskId, status: 'working', statusMessage: 'half way', ttl: task.ttl });
    expect(got._meta).toBeUndefined();
    expect(Date.parse(got.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(got.createdAt));
    job.finish();
    await eventually(async () => (await ctx.session.client.experimental.tasks.getTask(task.taskId)).status === 'completed');
  });

  it('answers -32602 for an unknown id', async () => {
    const error = await rpcError(ctx.session.client.experimental.tasks.getTask('no-such-task'));
    expect(error.code).toBe(ErrorCode.InvalidParams);
  });

  it('ignores unknown params such as the task field callToolStream sends', async () => {
    const task = await createTask(ctx.session.client, 'quick', { text: 'x' });
    const got = await ctx.session.client.request(
      { method: 'tasks/get', params: { taskId: task.taskId, task: { ttl: 5 }, extra: true } as { taskId: string } },
      GetTaskResultSchema,
    );
    expect(got.taskId).toBe(task.taskId);
  });

  it('rejects a missing or non-string taskId with -32602', async () => {
    for (const params of [{}, { taskId: 42 }]) {
      const error = await rpcError(
        ctx.session.client.request({ method: 'tasks/get', params: params as unknown as { taskId: string } }, GetTaskResultSchema),
      );
      expect(error.code).toBe(ErrorCode.InvalidParams);
    }
  });
});
