import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Queue } from 'bullmq';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import type { WorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { startRedisServer } from '../../support/redisServer.js';
import type { RedisServer } from '../../support/redisServer.js';

// A worker that is alive can lose its job: Redis away for longer than the job's lock (the lock
// cannot be renewed), and BullMQ's stalled check hands the job to another worker once Redis is
// back. The worker that takes it over must stop the first run, not leave it going beside its own
// (restartable) or beside a task already failed. A redis-server of the test's own, stopped and
// started again; front and workers in this process, each with its own connections and instance id.
const LOCK_MS = 1_000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function split(redis: RedisServer, restartable: boolean) {
  const prefix = `lost${randomBytes(3).toString('hex')}:`;
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const quiet = { warn: () => {}, error: () => {} };
  const open = async (instanceId: string): Promise<RedisTaskBackend> => {
    const backend = await createRedisTaskBackend({ url: redis.url, prefix, instanceId });
    closers.push(() => backend.close());
    return backend;
  };
  const starts: string[] = [];
  const aborted: string[] = [];
  const release = deferred();
  const config = { taskSupport: 'required' as const, restartable };
  const worker = async (name: string, concurrency = 1): Promise<{ tasks: TaskSupport; pool: WorkerPool }> => {
    const pool = createWorkerPool({
      role: 'worker',
      connection,
      prefix: `${prefix}jobs`,
      concurrency,
      lockDurationMs: LOCK_MS,
      stalledIntervalMs: 500,
      logger: quiet,
    });
    const tasks = new TaskSupport({ ...(await open(name)), placement: pool, logger: quiet });
    closers.push(() => tasks.close());
    tasks.registerTool(new McpServer({ name, version: '1' }), 'slow', config, async (_args, task) => {
      starts.push(name);
      task.signal.addEventListener('abort', () => aborted.push(name));
      await release.promise;
      return { content: [{ type: 'text', text: `done on ${name}` }] };
    });
    return { tasks, pool };
  };
  const frontBackend = await open('front');
  const front = new TaskSupport({
    ...frontBackend,
    placement: createWorkerPool({ role: 'front', connection, prefix: `${prefix}jobs`, logger: quiet }),
    logger: quiet,
  });
  closers.push(() => front.close());
  const session = await connectInMemory(front, (server) => front.registerTool(server, 'slow', config, async () => ({ content: [] })));
  closers.push(() => session.close());
  const jobs = new Queue('tool-slow', { connection, prefix: `${prefix}jobs` });
  jobs.on('error', () => {}); // Redis is stopped on purpose
  closers.push(() => jobs.close());
  return { store: frontBackend.store, jobs, session, worker, starts, aborted, release };
}

describe('a worker pool when Redis is away for longer than a running job’s lock', () => {
  it.each([
    [false, 'fails the task and aborts the first worker’s run of it'],
    [true, 'runs the task again on the other worker and aborts the first run, so it never runs twice at once'],
  ])(
    'restartable %s: %s',
    async (restartable) => {
      const redis = await startRedisServer();
      closers.push(() => redis.dispose());
      const s = await split(redis, restartable);
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
    const redis = await startRedisServer();
    closers.push(() => redis.dispose());
    const s = await split(redis, true);
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
