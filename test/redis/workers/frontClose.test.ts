import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../src/types.js';
import { createTask, eventually } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';
import type { PoolFront, PoolSplit } from './workerPoolFixture.js';

// A worker pool's front closing, in this process, on the real redis-server of globalSetup: a job
// reaches the pool only while the pool is open, and a task the pool refused does not stay working.
const WAITING = 'Waiting for a worker';
const pools = useWorkerPools('f');

interface Front extends PoolFront {
  s: PoolSplit;
  /** What the front's TaskSupport logged as errors. */
  errors: unknown[];
}

/** A front whose store holds each create at `gate` (when given), with one task tool, `job`. */
async function front(gate?: { entered(record: TaskRecord): void; opened: Promise<void> }): Promise<Front> {
  const s = pools.split();
  const backend = await s.backend('front');
  const create = backend.store.create.bind(backend.store);
  backend.store.create = async (record) => {
    gate?.entered(record);
    await gate?.opened;
    await create(record);
  };
  const errors: unknown[] = [];
  const logger = { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) };
  // The pool's own failures go to the console, as a pool given no logger does.
  const pool = s.pool('front', { logger: console });
  return { ...(await s.front('job', { taskSupport: 'required' }, { backend, pool, logger })), s, errors };
}

describe("a worker pool's front closing", () => {
  it('a tools/call whose create is in flight when close begins hands its job to the pool before the pool closes, and no queue is left open', async () => {
    let open = (): void => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    let entered = (): void => {};
    const inCreate = new Promise<void>((resolve) => (entered = resolve));
    const f = await front({ entered, opened });
    try {
      const created = createTask(f.session.client, 'job', {});
      await inCreate;
      const closed = f.tasks.close();
      // The engine's shutdown has begun (it waits for this create); the create may go on now.
      await eventually(() => f.tasks.actor.getSnapshot().value !== 'running');
      open();
      await closed;
      const task = await created;

      // Every queue the pool opened was closed with it: none was opened after.
      expect(await f.pool.depth()).toEqual({});
      expect(() => f.pool.queue('job')).toThrow(/worker pool is closed/);
      // The job is in Redis for a worker to take, and the task waits for it.
      expect((await f.s.jobs('job').getJob(task.taskId))?.data.taskId).toBe(task.taskId);
      const stored = await f.backend.store.get(task.taskId);
      expect([stored?.status, stored?.statusMessage]).toEqual(['working', WAITING]);
      expect(f.errors).toEqual([]);
    } finally {
      // A create left held would hold the close after the test too.
      open();
    }
  });

  it('a tools/call after the pool closed is refused, and its stored task is settled failed rather than left working without a job', async () => {
    const stored: string[] = [];
    const f = await front({ entered: (record) => stored.push(record.taskId), opened: Promise.resolve() });
    await f.pool.close();
    await expect(createTask(f.session.client, 'job', {})).rejects.toThrow(/worker pool is closed/);

    expect(stored).toHaveLength(1);
    const taskId = stored[0]!;
    const record = await f.backend.store.get(taskId);
    expect(record?.status).toBe('failed');
    expect(record?.statusMessage).toMatch(/^The task could not be handed to the worker pool: .*worker pool is closed/);
    const outcome = await f.backend.store.getOutcome(taskId);
    expect(outcome).toMatchObject({ type: 'error', error: { code: -32603, data: { taskId } } });
    expect(await f.pool.depth()).toEqual({});
    expect(f.errors).toEqual([]);
  });
});

describe('a job no worker takes', () => {
  it('is withdrawn from its queue when its task’s ttl runs out, instead of waiting there for good', async () => {
    const f = await front();
    const queue = f.s.jobs('job');
    // No worker serves `job` (minTtl is 1 s): the job waits in its queue.
    const task = await createTask(f.session.client, 'job', {}, 1_000);
    expect(await queue.getJobState(task.taskId)).toBe('waiting');
    await eventually(async () => (await queue.getJob(task.taskId)) === undefined, 5_000);
    expect(f.errors).toEqual([]);
  });
});
