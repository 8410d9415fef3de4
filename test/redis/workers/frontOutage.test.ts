import { describe, expect, it } from 'vitest';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { createTask, eventually, sleep } from '../../support/harness.js';
import type { RedisServer } from '../../support/redisServer.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolFront, PoolSplit } from './workerPoolFixture.js';

// A front whose Redis goes away between storing a task and adding its job (a redis-server of the
// test's own, stopped right after the create). BullMQ holds its commands until Redis is back, so
// the add, the tools/call and a shutdown waiting for that call would all wait for Redis; they must
// end on their own, and the job must not run later for a call that failed.
const pools = useWorkerPools('fo');

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

/**
 * A front on a redis-server of its own whose store stops that server once `creates` tasks are
 * stored (each create waits for it), so their job adds fail; the pool waits 500 ms for an add.
 */
async function outage(
  options: { creates?: number; openedBefore?: boolean; logger?: Pick<Console, 'warn' | 'error'> } = {},
): Promise<{ redis: RedisServer; s: PoolSplit; front: PoolFront; stored: string[] }> {
  const { redis, s } = await pools.splitOnOwnRedis();
  const backend: RedisTaskBackend = await s.backend('front');
  const stored: string[] = [];
  let stopped: Promise<void> | undefined;
  const create = backend.store.create.bind(backend.store);
  backend.store.create = async (record) => {
    await create(record);
    stored.push(record.taskId);
    if (stored.length === (options.creates ?? 1)) stopped = redis.stop();
    await eventually(() => stopped !== undefined);
    await stopped;
  };
  const pool = s.pool('front', { queueTimeoutMs: 500 });
  if (options.openedBefore ?? true) await pool.queue('job').waitUntilReady();
  const front = await s.front('job', { taskSupport: 'required' }, { backend, pool, ...(options.logger ? { logger: options.logger } : {}) });
  return { redis, s, front, stored };
}

describe("a worker pool's front when Redis goes away while a job is being added", () => {
  it.each([
    ['its queue was open before', true],
    ['its queue opens during the outage', false],
  ])(
    'fails the call and closes without waiting for Redis (%s), and no job lands once Redis is back',
    async (_name, openedBefore) => {
      const { redis, s, front, stored } = await outage({ openedBefore });

      const call = await within(createTask(front.session.client, 'job', {}), 3_000);
      // At once when the queue's connection was up (it fails fast), else after queueTimeoutMs.
      expect(call).toMatchObject({ error: { code: -32603 } });
      expect(await within(front.tasks.close(), 3_000)).toEqual({ value: undefined });

      await redis.start();
      const jobs = s.jobs('job');
      await sleep(1_000); // time for an add held by ioredis to land, and to be taken back
      expect(stored).toHaveLength(1);
      expect(await jobs.getJob(stored[0]!)).toBeUndefined();
    },
    30_000,
  );
});

describe('a worker pool front whose store is away too when a dispatch fails', () => {
  it('settles the task failed once Redis is back, rather than leaving it working without a job', async () => {
    const { redis, front, stored } = await outage();

    expect(await within(createTask(front.session.client, 'job', {}), 3_000)).toMatchObject({ error: { code: -32603 } });
    await sleep(500); // Redis stays away a while: the settle fails more than once
    await redis.start();
    const { store } = front.backend;
    await eventually(async () => (await store.get(stored[0]!).catch(() => undefined))?.status === 'failed', 10_000);
    const record = await store.get(stored[0]!);
    expect(record?.statusMessage).toMatch(/^The task could not be handed to the worker pool: /);
  }, 30_000);

  it('closing, waits a moment for that settle: Redis back within it, the task ends failed', async () => {
    const { redis, s, front, stored } = await outage();

    expect(await within(createTask(front.session.client, 'job', {}), 3_000)).toMatchObject({ error: { code: -32603 } });
    const closed = within(front.tasks.close(), 3_000);
    await sleep(200);
    await redis.start();
    expect(await closed).toEqual({ value: undefined });

    const record = await (await s.backend('reader')).store.get(stored[0]!);
    expect([record?.status, record?.statusMessage]).toEqual([
      'failed',
      expect.stringMatching(/^The task could not be handed to the worker pool: /),
    ]);
  }, 30_000);

  it('closing while Redis stays away, gives up after that moment and logs one line per task left working', async () => {
    const errors: string[] = [];
    const logger = { ...quiet, error: (...args: unknown[]) => void errors.push(args.map(String).join(' ')) };
    const { front, stored } = await outage({ creates: 2, logger });

    const calls = [createTask(front.session.client, 'job', {}), createTask(front.session.client, 'job', {})];
    for (const call of calls) expect(await within(call, 3_000)).toMatchObject({ error: { code: -32603 } });
    expect(await within(front.tasks.close(), 3_000)).toEqual({ value: undefined });

    expect(stored).toHaveLength(2);
    const givenUp = errors.filter((line) => / left working: /.test(line));
    expect(givenUp.map((line) => stored.find((taskId) => line.includes(`task ${taskId} `))).sort()).toEqual([...stored].sort());
  }, 30_000);
});
