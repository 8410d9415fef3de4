import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { bearerClient, startDemoProcess } from '../../support/demoProcess.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolFront, PoolSplit } from './workerPoolFixture.js';

// A worker pool's front that restarts (a new TaskSupport, backend and pool on the same Redis, with
// the same instance id or a new one) while tasks it created wait for a worker: an operator's drain
// then takes their jobs out. Before, only the front that created a task looked for its job (in the
// memory of that front's life), so such a task stayed `working` until its ttl. Now the pool records
// each job added in Redis, and one front per check period looks at the recorded jobs no live front
// watches. The tests also hold what a live front watches: a task another front is still handing to
// the pool is not failed, and one another front fails is told to its creator's client.
const pools = useWorkerPools('rsf');
const CHECK_MS = 200;
const LOST = /^The job of this task left its worker pool queue before a worker took it/;
const TOOL = { taskSupport: 'required' as const };

/**
 * A front with instance id `id` that looks for lost jobs every `checkMs`. Its callers are one
 * principal, as behind a deployment's auth: a client of the restarted front may see the tasks of
 * the first one.
 */
async function front(s: PoolSplit, id: string, checkMs = CHECK_MS): Promise<PoolFront> {
  const backend = await s.backend(id);
  const pool = s.pool('front', { lostJobCheckMs: checkMs });
  const tasks = new TaskSupport({ ...backend, placement: pool, logger: quiet, identify: () => 'alice' });
  s.later(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'job', TOOL, async () => ({ content: [] })));
  s.later(() => session.close());
  return { tasks, pool, backend, session };
}

/** The end of a front's life: its client, TaskSupport (and pool) and backend closed, as a process exit leaves them. */
async function stop(f: PoolFront): Promise<void> {
  await f.session.close();
  await f.tasks.close();
  await f.backend.close();
}

describe('a front restarted while a task it created waits for a worker', () => {
  for (const [name, id] of [
    ['with the same instance id', 'front'],
    ['as a new instance (the first one gone for good)', 'front-2'],
  ] as const) {
    it(`${name}: fails the task, once an operator drained its job, within the check interval`, async () => {
      const s = pools.split();
      const first = await front(s, 'front');
      const task = await createTask(first.session.client, 'job', {});
      await stop(first);

      const second = await front(s, id);
      await s.jobs('job').drain();
      const drainedAt = Date.now();
      await eventually(async () => (await second.backend.store.get(task.taskId))?.status === 'failed', 5_000);
      expect(Date.now() - drainedAt).toBeLessThan(3_000);
      const error = await rpcError(taskResult(second.session.client, task.taskId));
      expect(error.code).toBe(-32603);
      expect(error.message).toMatch(/: The job of this task left its worker pool queue before a worker took it/);
      expect((await second.backend.store.get(task.taskId))?.statusMessage).toMatch(LOST);
    });
  }

  it('withdraws, once the task’s ttl ran out, its job that no worker took', async () => {
    const s = pools.split();
    const first = await front(s, 'front');
    const task = await createTask(first.session.client, 'job', {}, 1_000);
    await stop(first);
    await front(s, 'front-2');
    const jobs = s.jobs('job');
    expect(await jobs.getJob(task.taskId)).toBeDefined();

    await eventually(async () => (await jobs.getJob(task.taskId)) === undefined, 5_000);
  });

  it('leaves a task alone whose job is still waiting, and a worker started later runs it', async () => {
    const s = pools.split();
    const first = await front(s, 'front');
    const task = await createTask(first.session.client, 'job', {});
    await stop(first);
    const second = await front(s, 'front-2');
    await sleep(5 * CHECK_MS);
    expect((await second.backend.store.get(task.taskId))?.status).toBe('working');

    await s.worker('w1', 'job', TOOL, async () => ({ content: [{ type: 'text', text: 'ran' }] }));
    expect((await taskResult(second.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
  });
});

describe('the pool’s record of waiting jobs', () => {
  it('lets go of a job as soon as a worker takes it, without waiting for a check', async () => {
    const s = pools.split();
    // Checks a minute apart: only the worker's take can empty the record within this test.
    const creator = await front(s, 'front', 60_000);
    const client = new Redis(s.url);
    s.later(async () => client.disconnect());
    const key = `${s.jobsPrefix}:mta-pool:waiting`;
    const tasks = await Promise.all([1, 2, 3].map(() => createTask(creator.session.client, 'job', {})));
    expect(await client.hlen(key)).toBe(3);

    await s.worker('w1', 'job', TOOL, async () => ({ content: [{ type: 'text', text: 'ran' }] }));
    for (const task of tasks) await taskResult(creator.session.client, task.taskId);
    await eventually(async () => (await client.hlen(key)) === 0, 3_000);
  });
});

describe('several live fronts of one pool', () => {
  it('a task one front is still handing to the pool (its job add held) is not failed by another front’s check', async () => {
    const s = pools.split();
    await front(s, 'checking');
    const adding = await front(s, 'adding');
    const queue = adding.pool.queue('job');
    const add = queue.add.bind(queue);
    const entered = deferred();
    const release = deferred();
    queue.add = async (...args) => {
      entered.resolve();
      await release.promise;
      return add(...args);
    };
    const created = createTask(adding.session.client, 'job', {});
    await entered.promise;
    await sleep(5 * CHECK_MS);
    release.resolve();
    const task = await created;
    await sleep(5 * CHECK_MS);

    expect((await adding.backend.store.get(task.taskId))?.status).toBe('working');
    await s.worker('w1', 'job', TOOL, async () => ({ content: [{ type: 'text', text: 'ran' }] }));
    expect((await taskResult(adding.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
  });

  it('a task another front fails (its creator checks seldom) is told to the creator’s client as failed', async () => {
    const s = pools.split();
    const creator = await front(s, 'creator', 60_000);
    await front(s, 'checker');
    const task = await createTask(creator.session.client, 'job', {});
    await s.jobs('job').drain();

    await eventually(
      () =>
        creator.session.notifications.some(
          (n) => n.method === 'notifications/tasks/status' && (n.params as { status?: string }).status === 'failed',
        ),
      5_000,
    );
    const stored = await creator.backend.store.get(task.taskId);
    expect([stored?.status, stored?.statusMessage]).toEqual(['failed', expect.stringMatching(LOST)]);
  });
});

describe('front processes (`npm start -- --role front`, default check every 5 s)', () => {
  it('a front killed (kill -9) and a new front process: the task the dead one created fails once an operator drained its job', async () => {
    const s = pools.split();
    const env = { REDIS_URL: s.url, MTA_PREFIX: s.prefix };
    const start = async (): Promise<Awaited<ReturnType<typeof startDemoProcess>>> => {
      const started = await startDemoProcess(env, ['--role', 'front']);
      s.later(() => started.stop());
      return started;
    };
    const client = async (url: string): Promise<Awaited<ReturnType<typeof bearerClient>>> => {
      const c = await bearerClient(url, 'alice-token');
      s.later(() => c.close());
      return c;
    };
    const first = await start();
    const task = await createTask(await client(first.url), 'countdown', { seconds: 5 });
    await first.crash();
    const second = await client((await start()).url);
    await s.jobs('countdown').drain();
    const drainedAt = Date.now();

    const error = await rpcError(taskResult(second, task.taskId));
    // One check of the new front, after the dead one's turn (5 s) lapsed at the latest.
    expect(Date.now() - drainedAt).toBeLessThan(12_000);
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(/: The job of this task left its worker pool queue before a worker took it/);
  }, 60_000);
});
