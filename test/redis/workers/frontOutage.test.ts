import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, createTask, eventually, sleep } from '../../support/harness.js';
import { startRedisServer } from '../../support/redisServer.js';

// A front whose Redis goes away between storing a task and adding its job (a redis-server of the
// test's own, stopped right after the create). BullMQ holds its commands until Redis is back, so
// the add, the tools/call and a shutdown waiting for that call would all wait for Redis; they must
// end on their own, and the job must not run later for a call that failed.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** What a promise did within `ms`: its value, its error, or 'pending'. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'pending'> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    sleep(ms).then(() => 'pending' as const),
  ]);
}

describe("a worker pool's front when Redis goes away while a job is being added", () => {
  it.each([
    ['its queue was open before', true],
    ['its queue opens during the outage', false],
  ])(
    'fails the call and closes without waiting for Redis (%s), and no job lands once Redis is back',
    async (_name, openedBefore) => {
      const redis = await startRedisServer();
      closers.push(() => redis.dispose());
      const prefix = `fo${randomBytes(3).toString('hex')}:`;
      const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
      const backend = await createRedisTaskBackend({ url: redis.url, prefix, instanceId: 'front' });
      closers.push(() => backend.close());
      const stored: string[] = [];
      const create = backend.store.create.bind(backend.store);
      backend.store.create = async (record) => {
        await create(record);
        stored.push(record.taskId);
        await redis.stop();
      };
      const quiet = { warn: () => {}, error: () => {} };
      const pool = createWorkerPool({ role: 'front', connection, prefix: `${prefix}jobs`, queueTimeoutMs: 500, logger: quiet });
      if (openedBefore) await pool.queue('job').waitUntilReady();
      const front = new TaskSupport({ ...backend, placement: pool, logger: quiet });
      const session = await connectInMemory(front, (server) =>
        front.registerTool(server, 'job', { taskSupport: 'required' }, async () => ({ content: [] })),
      );
      closers.push(() => session.close());

      const call = await within(createTask(session.client, 'job', {}), 3_000);
      // At once when the queue's connection was up (it fails fast), else after queueTimeoutMs.
      expect(call).toMatchObject({ error: { code: -32603 } });
      expect(await within(front.close(), 3_000)).toEqual({ value: undefined });

      await redis.start();
      const jobs = new Queue('tool-job', { connection, prefix: `${prefix}jobs` });
      closers.push(() => jobs.close());
      await sleep(1_000); // time for an add held by ioredis to land, and to be taken back
      expect(stored).toHaveLength(1);
      expect(await jobs.getJob(stored[0]!)).toBeUndefined();
    },
    30_000,
  );
});

describe('a worker pool front whose store is away too when a dispatch fails', () => {
  it('settles the task failed once Redis is back, rather than leaving it working without a job', async () => {
    const redis = await startRedisServer();
    closers.push(() => redis.dispose());
    const prefix = `fs${randomBytes(3).toString('hex')}:`;
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const backend = await createRedisTaskBackend({ url: redis.url, prefix, instanceId: 'front' });
    closers.push(() => backend.close());
    const stored: string[] = [];
    const create = backend.store.create.bind(backend.store);
    backend.store.create = async (record) => {
      await create(record);
      stored.push(record.taskId);
      await redis.stop();
    };
    const quiet = { warn: () => {}, error: () => {} };
    const pool = createWorkerPool({ role: 'front', connection, prefix: `${prefix}jobs`, queueTimeoutMs: 500, logger: quiet });
    await pool.queue('job').waitUntilReady();
    const front = new TaskSupport({ ...backend, placement: pool, logger: quiet });
    closers.push(() => front.close());
    const session = await connectInMemory(front, (server) =>
      front.registerTool(server, 'job', { taskSupport: 'required' }, async () => ({ content: [] })),
    );
    closers.push(() => session.close());

    expect(await within(createTask(session.client, 'job', {}), 3_000)).toMatchObject({ error: { code: -32603 } });
    await sleep(500); // Redis stays away a while: the settle fails more than once
    await redis.start();
    await eventually(async () => (await backend.store.get(stored[0]!).catch(() => undefined))?.status === 'failed', 10_000);
    const record = await backend.store.get(stored[0]!);
    expect(record?.statusMessage).toMatch(/^The task could not be handed to the worker pool: /);
  }, 30_000);
});
