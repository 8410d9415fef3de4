import { describe, expect, it } from 'vitest';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { deferred, eventually, taskResult } from '../../support/harness.js';
import { Runs, useWorkerPools } from './workerPoolFixture.js';
import type { PoolWorker } from './workerPoolFixture.js';

// The progressToken of a task's `tools/call` stays valid for the task's whole life (2025-11-25,
// tasks.mdx "Progress"): work run on a worker pool sends `task.progress()` on it, as work run in
// process does, and so does a rerun of a restartable task on another worker after the first one
// died (the job, not the dead worker, carries the token). Front and workers in this process on the
// globalSetup redis-server, each with its own connections and instance id.
const RELATED = 'io.modelcontextprotocol/related-task';
const pools = useWorkerPools('pt');

async function split() {
  const s = pools.split();
  const runs = new Runs();
  const { starts, aborted, release } = runs;
  /** What the work waits for before its progress goes out (see holdProgress). */
  let gate: Promise<unknown> = Promise.resolve();
  const config = { taskSupport: 'required' as const, restartable: true };
  const worker = (name: string): Promise<PoolWorker> =>
    s.worker(
      name,
      'slow',
      config,
      runs.work(name, async (task) => {
        await gate;
        await task.progress(starts.length, 10, `on ${name}`);
      }),
      { lockDurationMs: 1_000, stalledIntervalMs: 500 },
    );
  const { session } = await s.front('slow', config);
  /** A task-augmented `tools/call` with a progressToken (the SDK client makes one for `onprogress`). */
  const call = async (progress: Progress[]): Promise<string> => {
    const created = await session.client.request(
      { method: 'tools/call', params: { name: 'slow', arguments: {}, task: {} } },
      CreateTaskResultSchema,
      { onprogress: (p) => void progress.push(p) },
    );
    return created.task.taskId;
  };
  /** Holds the progress of runs started from now on; the function returned lets it go. */
  const holdProgress = (): (() => void) => {
    const held = deferred();
    gate = held.promise;
    return () => held.resolve();
  };
  return { session, worker, starts, aborted, release, call, holdProgress };
}
describe('task.progress() in work run on a worker pool', () => {
  it('reaches the client on the tools/call progressToken, with the related-task _meta, through tasks/result', async () => {
    const s = await split();
    await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    // Nothing holds the client's stream on a worker: the notification waits in the shared queue.
    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below; a failed check before that must not leave it unhandled
    await eventually(() => progress.length === 1, 10_000);
    expect(progress[0]).toMatchObject({ progress: 1, total: 10, message: 'on w1', _meta: { [RELATED]: { taskId } } });
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w1' }]);
  }, 30_000);

  it('keeps the token when a restartable task runs again on another worker after its worker died', async () => {
    const s = await split();
    const first = await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    const sendProgress = s.holdProgress();
    await s.worker('w2');
    // The first worker dies as far as the pool can tell (its job's lock is no longer renewed).
    await first.pool.close();
    await eventually(() => s.starts.length === 2, 10_000);
    expect(s.starts).toEqual(['w1', 'w2']);
    sendProgress();

    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => progress.some((p) => p.message === 'on w2'), 10_000);
    expect(progress.find((p) => p.message === 'on w2')).toMatchObject({ progress: 2, total: 10, _meta: { [RELATED]: { taskId } } });
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w2' }]);
  }, 30_000);
});

// A job whose lock lapsed goes to another worker; a restartable task runs again there and the taker
// tells the first run to stop. That first run ends `cancelled`, a settle the store refuses (fenced):
// its end must not clear the task's message queue, where the rerun's progress (and input requests)
// wait for the next tasks/result.
describe('a restartable task rerun on another worker while the first run still lives', () => {
  it('keeps what the rerun queued when the first run’s cancelled end comes after it (its settle refused)', async () => {
    const s = await split();
    const first = await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    await s.worker('w2');
    // The first worker dies as far as the pool can tell (its job's lock is no longer renewed); its
    // process lives on and hears w2's take ("Another worker took this task over") only after w2 ran.
    await first.pool.close();
    await eventually(() => s.starts.length === 2, 10_000);
    await eventually(() => s.aborted.includes('w1'), 10_000);
    await first.tasks.close();

    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => progress.some((p) => p.message === 'on w2'), 10_000);
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w2' }]);
  }, 30_000);
});
