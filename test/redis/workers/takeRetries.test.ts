import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ZodRawShape } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import type { TaskToolWork } from '../../../src/index.js';
import type { TaskRecordStore } from '../../../src/backends/TaskStore.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { createTask, eventually, sleep, taskResult } from '../../support/harness.js';
import { hook } from '../../support/redisInstances.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// A worker's take of a job reads the task from the store before it runs it (WorkerLink.take). A
// store that errs at that moment (a connection reset, a brief CLIENT PAUSE, a failover) failed the
// task at once: the job failed, and the pool's 'failed' handler stored "The worker pool gave up on
// this task: Task store unavailable: …". Now the take tries the store again, with backoff, for up
// to a few seconds within the same job run (takeRetries.ts); a task that ended meanwhile is not run,
// and a worker's close ends the retries at once. Each test has a redis-server of its own: a CLIENT
// PAUSE, or an ACL change, would reach every other file's keys on the shared one.
const pools = useWorkerPools('tr');
const config = { taskSupport: 'required' as const };
/** The ACL user of the worker's task backend, whose reads of task records a test can deny. */
const WORKER_USER = 'mta-worker';

/** Work that counts its runs and completes at once. */
function counted(runs: { count: number }): TaskToolWork<ZodRawShape> {
  return async () => {
    runs.count++;
    return { content: [{ type: 'text', text: 'ran' }] };
  };
}

/**
 * A worker for tool `job` whose task backend connects as `url` and whose store `wrap` may hook;
 * `storeTimeout`: its TaskSupport's bound on each store call.
 */
async function worker(
  s: PoolSplit,
  url: string,
  work: TaskToolWork<ZodRawShape>,
  wrap: (store: TaskRecordStore) => TaskRecordStore,
  storeTimeout?: number,
) {
  const backend = await createRedisTaskBackend({ url, prefix: s.prefix, instanceId: 'w1' });
  s.later(() => backend.close());
  const tasks = new TaskSupport({
    ...backend,
    store: wrap(backend.store),
    placement: s.pool('worker'),
    logger: quiet,
    ...(storeTimeout === undefined ? {} : { storeTimeout }),
  });
  s.later(() => tasks.close());
  tasks.registerTool(new McpServer({ name: 'w1', version: '1' }), 'job', config, work);
  return { tasks, backend };
}

/** The worker's reads of task records, each `ok` or failed, and the ACL switch that denies them. */
async function deniableWorker(s: PoolSplit, port: number, admin: Redis, work: TaskToolWork<ZodRawShape>) {
  await admin.call('ACL', 'SETUSER', WORKER_USER, 'on', '>pw', '~*', '&*', '+@all');
  const reads: ('ok' | 'failed')[] = [];
  const counting = (store: TaskRecordStore): TaskRecordStore =>
    hook(store, 'get', (call) =>
      call().then(
        (record) => (reads.push('ok'), record),
        (error: unknown) => {
          reads.push('failed');
          throw error;
        },
      ),
    );
  const w = await worker(s, `redis://${WORKER_USER}:pw@127.0.0.1:${port}`, work, counting);
  const deny = async (denied: boolean): Promise<void> =>
    void (await admin.call('ACL', 'SETUSER', WORKER_USER, denied ? '-hgetall' : '+hgetall'));
  return { ...w, reads, deny };
}

/** A front and a worker on a Redis of their own, the worker's reads of the store denied from the start. */
async function deniedTake() {
  const { redis, s } = await pools.splitOnOwnRedis();
  const front = await s.front('job', config);
  const admin = new Redis(redis.url);
  s.later(async () => admin.disconnect());
  const runs = { count: 0 };
  const w = await deniableWorker(s, redis.port, admin, counted(runs));
  await w.deny(true);
  return { s, front, runs, w };
}

describe('a worker whose task store errs as it takes a job', () => {
  it('(a CLIENT PAUSE longer than the store timeout) tries again and runs the task once the store answers', async () => {
    const { redis, s } = await pools.splitOnOwnRedis();
    const front = await s.front('job', config);
    const admin = new Redis(redis.url);
    s.later(async () => admin.disconnect());
    const runs = { count: 0 };
    let paused = false;
    let reads = 0;
    // The take's read of the task is the worker's first: Redis is paused (all clients) for 1.5 s
    // just before it, so that read, and the next ones for 1.5 s, miss the worker's 250 ms bound.
    const pauseFirst = (store: TaskRecordStore): TaskRecordStore =>
      hook(store, 'get', async (call) => {
        reads++;
        if (!paused) {
          paused = true;
          await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
        }
        return call();
      });
    await worker(s, redis.url, counted(runs), pauseFirst, 250);

    const task = await createTask(front.session.client, 'job', {});
    expect((await taskResult(front.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
    expect(paused).toBe(true);
    // Read again after the reads the pause held past their bound.
    expect(reads).toBeGreaterThan(2);
    expect(runs.count).toBe(1);
  });

  it('(its reads denied) does not run a task cancelled while it tries again: the job completes with nothing run', async () => {
    const { s, front, runs, w } = await deniedTake();

    const task = await createTask(front.session.client, 'job', {});
    await eventually(() => w.reads.includes('failed'), 10_000);
    expect((await front.session.client.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    await w.deny(false);

    const jobs = s.jobs('job');
    await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
    expect(w.reads.at(-1)).toBe('ok');
    expect(runs.count).toBe(0);
    expect((await front.backend.store.get(task.taskId))?.status).toBe('cancelled');
  });

  it('(its reads denied for good) gives up after about 5 s: the job fails and the task fails as before', async () => {
    const { s, front, runs, w } = await deniedTake();

    const task = await createTask(front.session.client, 'job', {});
    await eventually(() => w.reads.includes('failed'), 10_000);
    const firstError = Date.now();
    const jobs = s.jobs('job');
    await eventually(async () => (await jobs.getJobState(task.taskId)) === 'failed', 10_000);
    // The take's budget (takeRetries.ts), less the ms before its first error was seen here.
    expect(Date.now() - firstError).toBeGreaterThan(4_000);
    // Given back: the pool's 'failed' handler, which retries its read too, stores the failure.
    await w.deny(false);
    await eventually(async () => (await front.backend.store.get(task.taskId))?.status === 'failed', 10_000);
    const record = await front.backend.store.get(task.taskId);
    expect(record?.statusMessage).toBe(
      'The worker pool gave up on this task: Task store unavailable: get failed (details in the server log)',
    );
    expect(runs.count).toBe(0);
  }, 30_000);

  it('closed while it tries again: the close ends the retries at once and no try follows', async () => {
    const { front, runs, w } = await deniedTake();

    await createTask(front.session.client, 'job', {});
    // Four tries failed: the take now pauses 800 ms before the fifth.
    await eventually(() => w.reads.filter((read) => read === 'failed').length === 4, 10_000);
    const closing = Date.now();
    await w.tasks.close();
    expect(Date.now() - closing).toBeLessThan(400);
    const tries = w.reads.length;
    // No event tells of a try that does not come: waited past the pause it would have followed.
    await sleep(1_200);
    expect(w.reads.length).toBe(tries);
    expect(runs.count).toBe(0);
  });
});
