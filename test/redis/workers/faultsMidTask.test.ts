import { describe, expect, it } from 'vitest';
import type { ZodRawShape } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import type { TaskToolWork } from '../../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { answerWith } from '../../support/askingTools.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolFront, PoolSplit } from './workerPoolFixture.js';

// Faults of a worker pool in the middle of a task: the front restarting while the worker's work
// waits for the client's answer; Redis away while it waits (the answer given before, during or after
// the outage); a cancel while the task's job is stalled (its worker gone) and about to run again.
// Each ends as in process: the answer reaches the work once, the cancel holds and no rerun starts.
const pools = useWorkerPools('fmt');
const FAST = { lockDurationMs: 1_000, stalledIntervalMs: 500 };

/** A front with instance id `id` whose callers are one principal (a client of a restarted front sees the tasks of the first). */
async function front(s: PoolSplit, id: string, tool: string, restartable = false): Promise<PoolFront> {
  const backend = await s.backend(id);
  const pool = s.pool('front', { lostJobCheckMs: 200 });
  const tasks = new TaskSupport({ ...backend, placement: pool, logger: quiet, identify: () => 'alice' });
  s.later(() => tasks.close());
  const config = { taskSupport: 'required' as const, restartable };
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, tool, config, async () => ({ content: [] })));
  s.later(() => session.close());
  return { tasks, pool, backend, session };
}

/** Work that asks the client once and returns its answer; `asks` counts the asks. */
function asking(asks: { count: number }): TaskToolWork<ZodRawShape> {
  return async (_args, task) => {
    asks.count++;
    const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
    return { content: [{ type: 'text', text: `answer: ${answer.action}` }] };
  };
}

const inputRequired = (f: PoolFront, taskId: string) => async (): Promise<boolean> =>
  (await f.backend.store.get(taskId))?.status === 'input_required';

describe('a worker whose work waits for the client’s answer', () => {
  it('while its front restarts: the client of the new front gets the request and its answer completes the task', async () => {
    const s = pools.split();
    const first = await front(s, 'front', 'ask');
    const asks = { count: 0 };
    await s.worker('w1', 'ask', { taskSupport: 'required' }, asking(asks), FAST);
    const task = await createTask(first.session.client, 'ask', {});
    await eventually(inputRequired(first, task.taskId), 10_000);
    await first.session.close();
    await first.tasks.close();
    await first.backend.close();

    const second = await front(s, 'front-2', 'ask');
    answerWith(second.session.client, { elicit: () => ({ action: 'accept', content: {} }) });
    expect((await taskResult(second.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'answer: accept' }]);
    expect(asks.count).toBe(1);
  });

  for (const when of ['during', 'after'] as const) {
    it(`while Redis is away for 1 s (shorter than the job's lock), answered ${when} the outage: the answer completes the task`, async () => {
      const { redis, s } = await pools.splitOnOwnRedis();
      const f = await front(s, 'front', 'ask');
      const asks = { count: 0 };
      await s.worker('w1', 'ask', { taskSupport: 'required' }, asking(asks), { lockDurationMs: 5_000, stalledIntervalMs: 500 });
      const task = await createTask(f.session.client, 'ask', {});
      await eventually(inputRequired(f, task.taskId), 10_000);
      const asked = deferred();
      const answer = deferred();
      answerWith(f.session.client, {
        elicit: async () => {
          asked.resolve();
          await answer.promise;
          return { action: 'accept', content: {} };
        },
      });
      const result = taskResult(f.session.client, task.taskId);
      result.catch(() => {}); // awaited below
      await asked.promise;

      await redis.stop();
      if (when === 'during') answer.resolve();
      await sleep(1_000);
      await redis.start();
      answer.resolve();

      expect((await result).content).toEqual([{ type: 'text', text: 'answer: accept' }]);
      expect(asks.count).toBe(1);
    }, 30_000);
  }
});

describe('a cancel while the task’s job is stalled (its worker gone) and about to run again', () => {
  it('holds: the next worker takes the job back and does not start the work', async () => {
    const s = pools.split();
    const f = await front(s, 'front', 'slow', true);
    const config = { taskSupport: 'required' as const, restartable: true };
    const starts: string[] = [];
    const work =
      (name: string): TaskToolWork<ZodRawShape> =>
      async (_args, task) => {
        starts.push(name);
        await new Promise((resolve) => task.signal.addEventListener('abort', resolve));
        return { content: [] };
      };
    const first = await s.worker('w1', 'slow', config, work('w1'), FAST);
    const task = await createTask(f.session.client, 'slow', {});
    await eventually(() => starts.length === 1, 10_000);
    // Gone as far as the pool can tell: its job's lock is no longer renewed.
    await first.pool.close();
    await sleep(FAST.lockDurationMs * 1.5);

    expect((await f.session.client.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    await s.worker('w2', 'slow', config, work('w2'), FAST);
    const jobs = s.jobs('slow');
    await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
    expect(starts).toEqual(['w1']);
    expect((await f.backend.store.get(task.taskId))?.status).toBe('cancelled');
  });
});
