import { describe, expect, it } from 'vitest';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskToolWork } from '../../../src/index.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { answerWith } from '../../support/askingTools.js';
import { rpcError } from '../../support/session.js';
import { Runs, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// What an operator does to a tool's BullMQ queue while its tasks run (Bull Board, a script):
// `drain` and `obliterate` take waiting jobs out, which no worker will then ever take. Their tasks
// must end with a clear error, not stay `working` ("Waiting for a worker") until their ttl with
// each tasks/result waiting that long; a job a worker runs is left to finish; a paused queue only
// holds its jobs. And a worker dying while its task waits for the client's input: the task runs
// again elsewhere and asks again, the answer to the first ask changing nothing.
const pools = useWorkerPools('opf');
const FAST = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
const LOST = /: The job of this task left its worker pool queue before a worker took it/;

/** A front whose pool looks for lost jobs every 200 ms. */
async function front(s: PoolSplit, tool: string, restartable = false): Promise<Session> {
  const config = { taskSupport: 'required' as const, restartable };
  return (await s.front(tool, config, { pool: s.pool('front', { lostJobCheckMs: 200 }) })).session;
}

const status = async (session: Session, taskId: string): Promise<string> =>
  (await session.client.experimental.tasks.getTask(taskId)).status;

describe('a tool queue drained by an operator while a job waits in it', () => {
  it('fails the waiting task with a clear error within the check interval, and tasks/result answers it', async () => {
    const s = pools.split();
    const session = await front(s, 'job');
    const task = await createTask(session.client, 'job', {});
    const result = taskResult(session.client, task.taskId);
    result.catch(() => {}); // awaited below
    await s.jobs('job').drain();
    const started = Date.now();
    const error = await rpcError(result);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(LOST);
    expect(await status(session, task.taskId)).toBe('failed');
  });
});

describe('a tool queue obliterated (force) by an operator while one job runs and one waits', () => {
  it('lets the running task complete on its worker and fails the waiting one', async () => {
    const s = pools.split();
    const session = await front(s, 'job');
    const runs = new Runs();
    await s.worker('w1', 'job', { taskSupport: 'required' }, runs.work('w1'), { ...FAST, concurrency: 1 });
    const running = await createTask(session.client, 'job', {});
    await eventually(() => runs.starts.length === 1, 10_000);
    const waiting = await createTask(session.client, 'job', {});
    await s.jobs('job').obliterate({ force: true });

    expect((await rpcError(taskResult(session.client, waiting.taskId))).message).toMatch(LOST);
    expect(await status(session, running.taskId)).toBe('working');
    runs.release.resolve();
    expect((await taskResult(session.client, running.taskId)).content).toEqual([{ type: 'text', text: 'done on w1' }]);
    expect(runs.starts).toEqual(['w1']);
  });
});

describe('a tool queue paused by an operator', () => {
  it('keeps its waiting task working, and a worker runs it once the queue is resumed', async () => {
    const s = pools.split();
    const session = await front(s, 'job');
    const jobs = s.jobs('job');
    await jobs.pause();
    await s.worker('w1', 'job', { taskSupport: 'required' }, async () => ({ content: [{ type: 'text', text: 'ran' }] }), FAST);
    const task = await createTask(session.client, 'job', {});
    await sleep(1_000); // five checks
    expect(await status(session, task.taskId)).toBe('working');
    await jobs.resume();
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
  });
});

describe('a worker that dies while its restartable task waits for input', () => {
  it('reruns the task on another worker, which asks again; the answer to the first ask changes nothing', async () => {
    const s = pools.split();
    const config = { taskSupport: 'required' as const, restartable: true };
    const session = await front(s, 'ask', true);
    const asks: string[] = [];
    const work =
      (name: string): TaskToolWork<Record<string, never>> =>
      async (_args, task) => {
        asks.push(name);
        const answer = await task.elicit({ message: `go on ${name}?`, requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: `${name}: ${answer.action}` }] };
      };
    const first = await s.worker('w1', 'ask', config, work('w1'), FAST);
    const task = await createTask(session.client, 'ask', {});
    await eventually(async () => (await status(session, task.taskId)) === 'input_required', 10_000);
    const firstAnswer = deferred<ElicitResult>();
    const seen: string[] = [];
    answerWith(session.client, {
      elicit: (request) => {
        seen.push(request.params.message);
        return seen.length === 1 ? firstAnswer.promise : { action: 'accept', content: {} };
      },
    });
    const result = taskResult(session.client, task.taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => seen.length === 1, 10_000);
    // The first worker dies as far as the pool can tell (its job's lock is no longer renewed).
    await first.pool.close();
    await s.worker('w2', 'ask', config, work('w2'), FAST);
    await eventually(() => asks.length === 2, 10_000);
    firstAnswer.resolve({ action: 'decline' });

    expect((await result).content).toEqual([{ type: 'text', text: 'w2: accept' }]);
    expect(seen).toEqual(['go on w1?', 'go on w2?']);
  });
});
