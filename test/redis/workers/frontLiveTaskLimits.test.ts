import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LIMIT_EXCEEDED, TaskSupport } from '../../../src/index.js';
import type { TaskLimits, TaskToolWork } from '../../../src/index.js';
import type { LiveTaskCounter } from '../../../src/engine/limits.js';
import type { TaskPlacement } from '../../../src/backends/TaskPlacement.js';
import { ErrorCode } from '../../../src/wire.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// A front's per-process live-task limits count the tasks it created and handed to the worker pool
// until each ends, as they count tasks run in process: its slot was given back at dispatch, so
// `maxLiveTasks: 1` admitted any number of worker-pool tasks. Each end a front can meet gives the
// slot back, once: a worker's completion, failure, a cancel, a lost job, an end stored elsewhere
// (no report reaches this front), the task's ttl, and the front's close.
const pools = useWorkerPools('fll');
const FAST = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
const config = { taskSupport: 'required' as const, inputSchema: { key: z.string() } };

interface Front {
  tasks: TaskSupport;
  session: Session;
  /** The front's live-task count (TaskSupport's own counter). */
  counter: LiveTaskCounter;
}

/** A front on `s` with `limits`, serving tool `job` (its work runs on the workers). */
async function front(
  s: PoolSplit,
  limits: TaskLimits,
  poolOptions: { lostJobCheckMs?: number } = {},
  placement: TaskPlacement = s.pool('front', poolOptions),
): Promise<Front> {
  const backend = await s.backend('front');
  const tasks = new TaskSupport({ ...backend, placement, logger: quiet, limits });
  s.later(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'job', config, async () => ({ content: [] })));
  s.later(() => session.close());
  return { tasks, session, counter: (tasks as unknown as { liveTasks: LiveTaskCounter }).liveTasks };
}

/** Gates by key: the work of task `key` waits for its gate, then completes, throws, or is cancelled. */
class Gates {
  readonly started = new Set<string>();
  private readonly gates = new Map<string, ReturnType<typeof deferred<'done' | 'throw'>>>();

  gate(key: string): ReturnType<typeof deferred<'done' | 'throw'>> {
    let gate = this.gates.get(key);
    if (!gate) this.gates.set(key, (gate = deferred<'done' | 'throw'>()));
    return gate;
  }

  readonly work: TaskToolWork<typeof config.inputSchema> = async ({ key }, task) => {
    this.started.add(key);
    const how = await Promise.race([
      this.gate(key).promise,
      new Promise<never>((_, reject) => task.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    ]);
    if (how === 'throw') throw new Error(`work ${key} failed`);
    return { content: [{ type: 'text', text: `done ${key}` }] };
  };
}

async function worker(s: PoolSplit, gates: Gates, concurrency = 4): Promise<void> {
  await s.worker('w1', 'job', config, gates.work, { ...FAST, concurrency });
}

/** The refusal of a task over `limit`. */
async function refused(session: Session, key: string, limit: 'maxLiveTasks' | 'maxLiveTasksPerCaller', max = 1): Promise<void> {
  const error = await rpcError(createTask(session.client, 'job', { key }));
  expect(error.code).toBe(LIMIT_EXCEEDED);
  expect(error.data).toEqual({ limit, max });
}

describe('a front with maxLiveTasks 1 and a worker pool', () => {
  it('refuses a second task while the first runs on a worker, and admits one once it completed', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasks: 1 });
    const gates = new Gates();
    await worker(s, gates);
    const first = await createTask(session.client, 'job', { key: 'a' });
    await eventually(() => gates.started.has('a'), 10_000);
    await refused(session, 'b', 'maxLiveTasks');
    expect(counter.size).toBe(1);

    gates.gate('a').resolve('done');
    expect((await taskResult(session.client, first.taskId)).content).toEqual([{ type: 'text', text: 'done a' }]);
    await eventually(() => counter.size === 0);
    const next = await createTask(session.client, 'job', { key: 'c' });
    gates.gate('c').resolve('done');
    await taskResult(session.client, next.taskId);
    await eventually(() => counter.size === 0 && counter.callers === 0);
  });

  it('counts a task still waiting in its queue (no worker yet), and a task refused holds no slot', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasks: 1 });
    const gates = new Gates();
    const first = await createTask(session.client, 'job', { key: 'a' });
    await refused(session, 'b', 'maxLiveTasks');
    await refused(session, 'b', 'maxLiveTasks');
    expect(counter.size).toBe(1);
    await worker(s, gates);
    gates.gate('a').resolve('done');
    await taskResult(session.client, first.taskId);
    await eventually(() => counter.size === 0);
    expect(gates.started).toEqual(new Set(['a']));
  });
});

describe('a front with maxLiveTasksPerCaller 1 and a worker pool', () => {
  it('admits a new task once the running one was cancelled', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    const gates = new Gates();
    await worker(s, gates);
    const first = await createTask(session.client, 'job', { key: 'a' });
    await eventually(() => gates.started.has('a'), 10_000);
    await refused(session, 'b', 'maxLiveTasksPerCaller');

    await session.client.experimental.tasks.cancelTask(first.taskId);
    // The cancel answers once stored: the slot is back by then, no wait for the worker.
    expect(counter.size).toBe(0);
    const next = await createTask(session.client, 'job', { key: 'c' });
    gates.gate('c').resolve('done');
    await taskResult(session.client, next.taskId);
    await eventually(() => counter.size === 0 && counter.callers === 0);
  });

  it('admits a new task once the running one failed on its worker', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    const gates = new Gates();
    await worker(s, gates);
    const first = await createTask(session.client, 'job', { key: 'a' });
    await eventually(() => gates.started.has('a'), 10_000);
    await refused(session, 'b', 'maxLiveTasksPerCaller');

    gates.gate('a').resolve('throw');
    const result = await taskResult(session.client, first.taskId);
    expect(result.isError).toBe(true);
    await eventually(() => counter.size === 0);
    const next = await createTask(session.client, 'job', { key: 'c' });
    expect(next.status).toBe('working');
    await refused(session, 'd', 'maxLiveTasksPerCaller');
  });

  it('admits a new task once the job of the first was lost (drained from its queue) and the task failed', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 }, { lostJobCheckMs: 200 });
    const first = await createTask(session.client, 'job', { key: 'a' });
    await refused(session, 'b', 'maxLiveTasksPerCaller');

    const result = taskResult(session.client, first.taskId);
    result.catch(() => {}); // awaited below
    await s.jobs('job').drain();
    expect((await rpcError(result)).code).toBe(ErrorCode.InternalError);
    await eventually(() => counter.size === 0);
    await createTask(session.client, 'job', { key: 'c' });
    await refused(session, 'd', 'maxLiveTasksPerCaller');
  });

  it('admits a new task once the first was ended in the store by another instance, which no report tells this front', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    const other = await s.backend('other');
    const first = await createTask(session.client, 'job', { key: 'a' });
    await refused(session, 'b', 'maxLiveTasksPerCaller');

    const message = 'ended elsewhere';
    const outcome = { type: 'error' as const, error: { code: ErrorCode.InternalError, message } };
    expect(await other.store.settle(first.taskId, 'failed', message, outcome)).toBeDefined();
    // Heard through the store's settle event (the one that wakes tasks/result), then read back.
    await eventually(() => counter.size === 0, 5_000);
    await createTask(session.client, 'job', { key: 'c' });
    await refused(session, 'd', 'maxLiveTasksPerCaller');
  });

  it('keeps the slot across a reconnect of the store subscription (which wakes every wait), and still hears the end after it', async () => {
    const { redis, s } = await pools.splitOnOwnRedis();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    const other = await s.backend('other');
    const first = await createTask(session.client, 'job', { key: 'a' });
    const admin = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    s.later(async () => void admin.disconnect());
    await admin.connect();
    const subscribers = async (): Promise<number> =>
      String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        .split('\n')
        .filter(Boolean).length;
    const before = await subscribers();
    expect(before).toBeGreaterThan(0);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await eventually(async () => (await subscribers()) === before, 5_000);
    // Nothing to await: the wake's read comes a second after it (DispatchedSlots CONFIRM_MS) and
    // must find the task still working. Waited out, then the slot is still held.
    await sleep(1_500);
    expect(counter.size).toBe(1);
    await refused(session, 'b', 'maxLiveTasksPerCaller');

    const outcome = { type: 'error' as const, error: { code: ErrorCode.InternalError, message: 'ended elsewhere' } };
    expect(await other.store.settle(first.taskId, 'failed', 'ended elsewhere', outcome)).toBeDefined();
    await eventually(() => counter.size === 0, 5_000);
    await createTask(session.client, 'job', { key: 'c' });
  });

  it('gives the slot back at the task ttl when its end is never heard (no worker, nobody settles it)', async () => {
    const s = pools.split();
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    const started = Date.now();
    await createTask(session.client, 'job', { key: 'a' }, 1_000);
    await refused(session, 'b', 'maxLiveTasksPerCaller');
    await eventually(() => counter.size === 0, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await createTask(session.client, 'job', { key: 'c' });
    await refused(session, 'd', 'maxLiveTasksPerCaller');
  });

  it('gives the slot back once when the pool refuses the job (the task is failed, the call answers the error)', async () => {
    const s = pools.split();
    const pool = s.pool('front');
    // The pool as it is, but its queue refuses every job.
    const refusing: TaskPlacement = Object.assign(Object.create(pool) as TaskPlacement, {
      dispatch: async (): Promise<void> => {
        throw new Error('queue refused the job');
      },
    });
    const { session, counter } = await front(s, { maxLiveTasksPerCaller: 1 }, {}, refusing);
    const releases = vi.spyOn(counter, 'release');
    for (const key of ['a', 'b']) {
      const error = await rpcError(createTask(session.client, 'job', { key }));
      expect(error.message).toMatch(/queue refused the job/);
    }
    expect(counter.size).toBe(0);
    expect(counter.callers).toBe(0);
    expect(releases).toHaveBeenCalledTimes(2);
  });

  it('gives every slot back when the front closes', async () => {
    const s = pools.split();
    const { tasks, session, counter } = await front(s, { maxLiveTasksPerCaller: 1 });
    await createTask(session.client, 'job', { key: 'a' });
    await refused(session, 'b', 'maxLiveTasksPerCaller');
    expect(counter.size).toBe(1);
    await session.close();
    await tasks.close();
    expect(counter.size).toBe(0);
    expect(counter.callers).toBe(0);
  });
});

describe('a front after many worker-pool tasks ended every way', () => {
  it('has its live-task count back at 0, and its limit admits exactly its number again', async () => {
    const s = pools.split();
    const CAP = 3;
    const { tasks, session, counter } = await front(s, { maxLiveTasks: CAP, taskCreationRate: Infinity, taskOperationRate: Infinity });
    const gates = new Gates();
    await worker(s, gates, CAP);
    const releases = vi.spyOn(counter, 'release');
    const ROUNDS = 8;
    for (let round = 0; round < ROUNDS; round++) {
      const ids: string[] = [];
      for (let i = 0; i < CAP; i++) ids.push((await createTask(session.client, 'job', { key: `${round}-${i}` })).taskId);
      await refused(session, `${round}-over`, 'maxLiveTasks', CAP);
      expect(counter.size).toBe(CAP);
      await eventually(() => ids.every((_, i) => gates.started.has(`${round}-${i}`)), 10_000);
      gates.gate(`${round}-0`).resolve('done');
      gates.gate(`${round}-1`).resolve('throw');
      await session.client.experimental.tasks.cancelTask(ids[2]!);
      await taskResult(session.client, ids[0]!);
      await taskResult(session.client, ids[1]!);
      await eventually(() => counter.size === 0);
    }
    expect(counter.callers).toBe(0);
    // Once per task: no second release comes later from the store's end events (their read is a
    // second after each; nothing to await but that time).
    await sleep(1_500);
    expect(releases).toHaveBeenCalledTimes(ROUNDS * CAP);
    expect((tasks as unknown as { engine: { frontLink: { slots: { size: number } } } }).engine.frontLink.slots.size).toBe(0);
  });
});
