/**
 * A `tasks/cancel` on a worker pool's front stores the task's end, then tells the worker running
 * it. A front that dies between the two told no one; a worker holds no lease whose renewal would
 * find the stored end, so its run went on until the task's ttl: the work the client cancelled ran,
 * its `task.signal` never aborted, in a slot of the pool (concurrency 1 here: no other task of the
 * tool started on that worker meanwhile). Now the worker hears the store's own end event of the
 * task (published by the settle itself, the event that wakes `tasks/result`), reads the record and
 * cancels the run. A record deleted under a running task stops it too. And the reverse: a worker
 * that dies after the front stored the cancel leaves the task cancelled, its work not run again.
 *
 * The dying front: its store's settle of the task as `cancelled` runs, then never returns (nothing
 * after it runs, as in a process killed there); a dying worker: its pool and backend closed.
 */
import { expect, it } from 'vitest';
import type { ZodRawShape } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import type { TaskToolWork } from '../../../src/index.js';
import { connectInMemory, createTask, deferred, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { hook } from '../../support/redisInstances.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolFront, PoolSplit, PoolWorker } from './workerPoolFixture.js';

const pools = useWorkerPools('fdc');
const TOOL = 'slow';
const CONFIG = { taskSupport: 'required' as const, restartable: true };
/** A lock that lapses soon, for the test whose worker dies. */
const FAST = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
/** The tasks' ttl: the old code's run went on this long. */
const TTL_MS = 60_000;
/** How soon the worker's run stops once the front stored the cancel (ms; in practice a few). */
const SOON_MS = 2_000;

/** The runs of the tool's work: the task each started, and when each was aborted (by task id). */
class Runs {
  readonly started: string[] = [];
  readonly aborted = new Map<string, number>();

  /** Work that runs until its signal aborts, as worker `name` runs it. */
  work(name: string): TaskToolWork<ZodRawShape> {
    return async (_args, task) => {
      this.started.push(`${name} ${task.taskId ?? ''}`);
      await new Promise<void>((resolve) =>
        task.signal.addEventListener('abort', () => {
          this.aborted.set(task.taskId ?? '', Date.now());
          resolve();
        }),
      );
      return { content: [{ type: 'text', text: 'stopped' }] };
    };
  }
}

/**
 * A front whose store dies right after storing a `cancelled` end of task `doomed.taskId` (set
 * once known); `died` resolves then, after `onDied`. The settle's call never returns until the test's cleanup.
 */
async function dyingFront(
  s: PoolSplit,
  onDied?: () => Promise<void>,
): Promise<{ session: Session; doomed: { taskId?: string }; died: Promise<void> }> {
  const backend = await s.backend('front');
  const doomed: { taskId?: string } = {};
  const died = deferred();
  const never = deferred();
  const store = hook(backend.store, 'settle', async (call, args) => {
    const result = await call();
    if (args[0] !== doomed.taskId || args[1] !== 'cancelled') return result;
    await onDied?.();
    died.resolve();
    await never.promise;
    throw new Error('front died');
  });
  const tasks = new TaskSupport({ ...backend, store, placement: s.pool('front'), logger: quiet, identify: () => 'alice' });
  s.later(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, TOOL, CONFIG, async () => ({ content: [] })));
  s.later(() => session.close());
  // Closed first: the cancel's call then fails instead of holding the front's close.
  s.later(async () => never.resolve());
  return { session, doomed, died: died.promise };
}

/** A front that lives, for the client that looks after the doomed front died. */
async function survivingFront(s: PoolSplit): Promise<PoolFront> {
  const backend = await s.backend('survivor');
  const pool = s.pool('front');
  const tasks = new TaskSupport({ ...backend, placement: pool, logger: quiet, identify: () => 'alice' });
  s.later(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, TOOL, CONFIG, async () => ({ content: [] })));
  s.later(() => session.close());
  return { tasks, pool, backend, session };
}

it('a front dies after storing a cancel, before telling the worker: the worker’s run stops soon and its slot takes the next task', async () => {
  const s = pools.split();
  const front = await dyingFront(s);
  const runs = new Runs();
  await s.worker('w1', TOOL, CONFIG, runs.work('w1'), { concurrency: 1 });
  const jobs = s.jobs(TOOL);

  const task = await createTask(front.session.client, TOOL, {}, TTL_MS);
  await eventually(() => runs.started.length === 1, 10_000);
  front.doomed.taskId = task.taskId;
  // Never answered: its front dies once the cancel is stored.
  void front.session.client.experimental.tasks.cancelTask(task.taskId).catch(() => {});
  await front.died;
  const diedAt = Date.now();

  // Before: not aborted until the ttl (a minute here, an hour by default).
  await eventually(() => runs.aborted.has(task.taskId), SOON_MS + 1_000);
  expect(runs.aborted.get(task.taskId)! - diedAt).toBeLessThan(SOON_MS);
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 5_000);
  // The worker's own cancelled end was refused: the stored end is the client's cancel.
  const survivor = await survivingFront(s);
  const record = await survivor.backend.store.get(task.taskId);
  expect(record?.status).toBe('cancelled');
  expect(record?.statusMessage).toBe('Cancelled by the client');
  // Its one slot runs the next task (before: after the first one's ttl).
  const next = await createTask(survivor.session.client, TOOL, {}, TTL_MS);
  await eventually(() => runs.started.length === 2, 10_000);
  expect(runs.started[1]).toBe(`w1 ${next.taskId}`);
});

it('a task deleted from the store while a worker runs it: the worker’s run stops soon', async () => {
  const s = pools.split();
  const front = await survivingFront(s);
  const runs = new Runs();
  await s.worker('w1', TOOL, CONFIG, runs.work('w1'), { concurrency: 1 });
  const jobs = s.jobs(TOOL);

  const task = await createTask(front.session.client, TOOL, {}, TTL_MS);
  await eventually(() => runs.started.length === 1, 10_000);
  await front.backend.store.delete(task.taskId);
  const deletedAt = Date.now();

  // Before: its work ran on until the ttl, its writes refused.
  await eventually(() => runs.aborted.has(task.taskId), SOON_MS + 1_000);
  expect(runs.aborted.get(task.taskId)! - deletedAt).toBeLessThan(SOON_MS);
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 5_000);
  expect(await front.backend.store.get(task.taskId)).toBeUndefined();
});

it('a worker dies right after the front stored a cancel (the front dying too): the task stays cancelled, its work not run again', async () => {
  const s = pools.split();
  const workers: { first?: PoolWorker } = {};
  // The worker dies as the front's cancel lands: its pool stops (its job's lock is no longer
  // renewed), and no write of its own lands any more (its run's cancelled end, if it heard of it).
  const front = await dyingFront(s, async () => {
    await workers.first?.pool.close();
  });
  const runs = new Runs();
  const never = deferred();
  const wrapStore = <T extends object>(store: T): T =>
    hook(store, 'settle', async (call, args) => {
      if (args[1] !== 'cancelled') return call();
      await never.promise;
      throw new Error('worker died');
    });
  workers.first = await s.worker('w1', TOOL, CONFIG, runs.work('w1'), { ...FAST, wrapStore });
  // Closed first: the worker's close then does not wait for its store timeout.
  s.later(async () => never.resolve());

  const task = await createTask(front.session.client, TOOL, {}, TTL_MS);
  await eventually(() => runs.started.length === 1, 10_000);
  front.doomed.taskId = task.taskId;
  void front.session.client.experimental.tasks.cancelTask(task.taskId).catch(() => {});
  await front.died;

  // The next worker takes the stalled job back, finds the task ended and does not start the work
  // (restartable: a task not ended would run again there).
  await s.worker('w2', TOOL, CONFIG, runs.work('w2'), FAST);
  const jobs = s.jobs(TOOL);
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
  expect(runs.started).toEqual([`w1 ${task.taskId}`]);
  const survivor = await survivingFront(s);
  expect((await survivor.session.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
});

it('costs a task’s normal end no read on the worker: its one read is the take’s (a read on every end event fails this)', async () => {
  const s = pools.split();
  const front = await survivingFront(s);
  const reads: string[] = [];
  const wrapStore = <T extends object>(store: T): T =>
    hook(store, 'get', async (call, args) => {
      reads.push(String(args[0]));
      return call();
    });
  await s.worker('w1', TOOL, CONFIG, async () => ({ content: [{ type: 'text', text: 'done' }] }), { wrapStore });
  const jobs = s.jobs(TOOL);
  const task = await createTask(front.session.client, TOOL, {}, TTL_MS);
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
  // Completed once its run ended: after its own settle, which woke the watch of the run's stored end
  // (at once, in process), with the work already returned, so no read.
  expect((await front.backend.store.get(task.taskId))?.status).toBe('completed');
  expect(reads).toEqual([task.taskId]);
});
