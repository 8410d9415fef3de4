import { describe, expect, it } from 'vitest';
import { createTask, eventually, sleep, taskResult } from '../../support/harness.js';
import { Runs, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit, PoolWorker } from './workerPoolFixture.js';

// A worker that is alive can lose its job: Redis away for longer than the job's lock (the lock
// cannot be renewed), and BullMQ's stalled check hands the job to another worker once Redis is
// back. The worker that takes it over must stop the first run, not leave it going beside its own
// (restartable) or beside a task already failed. A redis-server of the test's own, stopped and
// started again; front and workers in this process, each with its own connections and instance id.
const LOCK_MS = 1_000;
const pools = useWorkerPools('lost');

async function lockSplit(s: PoolSplit, restartable: boolean) {
  const runs = new Runs();
  const config = { taskSupport: 'required' as const, restartable };
  const worker = (name: string, concurrency = 1): Promise<PoolWorker> =>
    s.worker(name, 'slow', config, runs.work(name), { concurrency, lockDurationMs: LOCK_MS, stalledIntervalMs: 500 });
  const front = await s.front('slow', config);
  const { starts, aborted, release } = runs;
  return { store: front.backend.store, jobs: s.jobs('slow'), session: front.session, worker, starts, aborted, release };
}

describe('a worker pool when Redis is away for longer than a running job’s lock', () => {
  it.each([
    [false, 'fails the task and aborts the first worker’s run of it'],
    [true, 'runs the task again on the other worker and aborts the first run, so it never runs twice at once'],
  ])(
    'restartable %s: %s',
    async (restartable) => {
      const { redis, s: split } = await pools.splitOnOwnRedis();
      const s = await lockSplit(split, restartable);
      // One job at a time: the first worker's slot stays taken by its run, so the stalled job goes to the second.
      const { tasks: first } = await s.worker('w1');
      const task = await createTask(s.session.client, 'slow', {});
      await eventually(() => s.starts.length === 1, 10_000);

      await redis.stop();
      await sleep(LOCK_MS * 2.5);
      await redis.start();
      await s.worker('w2');

      await eventually(() => s.aborted.includes('w1'), 10_000);
      await eventually(() => first.liveTaskActors === 0);
      if (restartable) {
        await eventually(() => s.starts.length === 2);
        expect(s.starts).toEqual(['w1', 'w2']);
        s.release.resolve();
        expect((await taskResult(s.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done on w2' }]);
      } else {
        expect(s.starts).toEqual(['w1']);
        const record = await s.store.get(task.taskId);
        expect([record?.status, record?.statusMessage]).toEqual(['failed', 'The worker running this task stopped before it finished']);
        s.release.resolve();
      }
      expect(s.aborted).toEqual(['w1']);
    },
    30_000,
  );
});

describe('a worker pool when a job comes back to the worker that still runs it', () => {
  it('keeps the job active until the run ends, so that worker dying afterwards is still found and the task restarted elsewhere', async () => {
    const { redis, s: split } = await pools.splitOnOwnRedis();
    const s = await lockSplit(split, true);
    // Room for a second job: the stalled job comes back to this worker, which runs the task already.
    const first = await s.worker('w1', 10);
    const task = await createTask(s.session.client, 'slow', {});
    await eventually(() => s.starts.length === 1, 10_000);

    await redis.stop();
    await sleep(LOCK_MS * 2.5);
    await redis.start();
    await eventually(async () => ((await s.jobs.getJob(task.taskId))?.stalledCounter ?? 0) >= 1, 10_000);
    // Longer than a lock and a stalled check: the job the worker took again stays active with the run.
    await sleep(LOCK_MS * 2);
    expect(await s.jobs.getJobState(task.taskId)).toBe('active');
    expect(s.starts).toEqual(['w1']);

    // The worker dies as far as the pool can tell (it stops renewing the job's lock); another one is there.
    await s.worker('w2');
    await first.pool.close();
    await eventually(() => s.starts.length === 2, 10_000);
    expect(s.starts).toEqual(['w1', 'w2']);
    await eventually(() => s.aborted.includes('w1'));
    s.release.resolve();
    expect((await taskResult(s.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done on w2' }]);
  }, 30_000);
});
