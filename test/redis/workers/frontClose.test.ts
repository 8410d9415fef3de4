import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, inject, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import type { WorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import type { TaskRecord } from '../../../src/types.js';
import { connectInMemory, createTask, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

// A worker pool's front closing, in this process, on the real redis-server of globalSetup: a job
// reaches the pool only while the pool is open, and a task the pool refused does not stay working.
const WAITING = 'Waiting for a worker';

interface Front {
  tasks: TaskSupport;
  pool: WorkerPool;
  backend: RedisTaskBackend;
  session: Session;
  connection: { host: string; port: number; maxRetriesPerRequest: null };
  jobsPrefix: string;
  /** What the front's TaskSupport logged as errors. */
  errors: unknown[];
}

/** A front whose store holds each create at `gate` (when given), with one task tool, `job`. */
async function front(gate?: { entered(record: TaskRecord): void; opened: Promise<void> }): Promise<Front> {
  const url = new URL(inject('redisUrl'));
  const prefix = `f${randomBytes(4).toString('hex')}:`;
  const backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  const create = backend.store.create.bind(backend.store);
  backend.store.create = async (record) => {
    gate?.entered(record);
    await gate?.opened;
    await create(record);
  };
  // BullMQ needs ioredis to retry for ever (its workers block); the front's queues use the same options.
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const jobsPrefix = `${prefix}jobs`;
  const pool = createWorkerPool({ role: 'front', connection, prefix: jobsPrefix });
  const errors: unknown[] = [];
  const tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    placement: pool,
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => ({ content: [] })),
  );
  return { tasks, pool, backend, session, connection, jobsPrefix, errors };
}

async function dispose({ session, tasks, pool, backend }: Front): Promise<void> {
  await session.close();
  await tasks.close();
  await pool.close();
  await backend.close();
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
      const queue = new Queue('tool-job', { connection: f.connection, prefix: f.jobsPrefix });
      try {
        expect((await queue.getJob(task.taskId))?.data.taskId).toBe(task.taskId);
      } finally {
        await queue.close();
      }
      const stored = await f.backend.store.get(task.taskId);
      expect([stored?.status, stored?.statusMessage]).toEqual(['working', WAITING]);
      expect(f.errors).toEqual([]);
    } finally {
      open();
      await dispose(f);
    }
  });

  it('a tools/call after the pool closed is refused, and its stored task is settled failed rather than left working without a job', async () => {
    const stored: string[] = [];
    const f = await front({ entered: (record) => stored.push(record.taskId), opened: Promise.resolve() });
    try {
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
    } finally {
      await dispose(f);
    }
  });
});

describe('a job no worker takes', () => {
  it('is withdrawn from its queue when its task’s ttl runs out, instead of waiting there for good', async () => {
    const f = await front();
    const queue = new Queue('tool-job', { connection: f.connection, prefix: f.jobsPrefix });
    try {
      // No worker serves `job` (minTtl is 1 s): the job waits in its queue.
      const task = await createTask(f.session.client, 'job', {}, 1_000);
      expect(await queue.getJobState(task.taskId)).toBe('waiting');
      await eventually(async () => (await queue.getJob(task.taskId)) === undefined, 5_000);
      expect(f.errors).toEqual([]);
    } finally {
      await queue.close();
      await dispose(f);
    }
  });
});
