// A worker that takes the stalled job of a task that is not restartable fails the task, and clears
// the dead run's queued requests before it stores the failure (WorkerLink.fail). Before, it cleared
// them after: a worker that died between the two left them in Redis until the queue keys' 24 h
// expiry (the job stalls again, and the next worker finds the task ended and only finishes the
// job), and a later tasks/result asked the client the dead run's question for a task that had
// failed. Dying after the clear instead is safe: the task is not ended yet, its job stalls again,
// and the next worker fails it. A job the pool gave up on (stalled too often) comes back to no one:
// there the failure is stored first, so that a death in between does not leave the task `working`.
// The cluster's takeover has its own test (takeoverQueueClear.test.ts).
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import type { ZodRawShape } from 'zod';
import { ElicitRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { TaskToolWork } from '../../../src/index.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { dyingAfter } from '../../support/redisInstances.js';
import { useWorkerPools } from './workerPoolFixture.js';

const pools = useWorkerPools('rfq');
const FAST = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
const config = { taskSupport: 'required' as const };
const STOPPED = 'The worker running this task stopped before it finished';

/**
 * Worker w1 runs work that asks a client that does not read (the question waits in the task's
 * queue) and dies. Worker w2 takes the stalled job with `step` ('settle' of its store or 'clear' of
 * its queue) wrapped: the step runs, then w2 dies there. Worker w3 then takes the job that stalled
 * again. `maxStalledCount` 0: w2 gives up on the job at its first stall instead of taking it.
 */
async function dyingRerun(step: 'settle' | 'clear', maxStalledCount?: number) {
  const s = pools.split();
  const front = await s.front('ask', config);
  const starts: string[] = [];
  const work =
    (name: string): TaskToolWork<ZodRawShape> =>
    async (_args, task) => {
      starts.push(name);
      await task.elicit({ message: 'which one?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [] };
    };
  const w1 = await s.worker('w1', 'ask', config, work('w1'), FAST);
  const { taskId } = await createTask(front.session.client, 'ask', {});
  const keys = new RedisKeys(s.prefix);
  const r = new Redis(s.url);
  s.later(async () => r.disconnect());
  await eventually(async () => (await r.exists(keys.queue(taskId), keys.open(taskId))) === 2, 10_000);
  await w1.pool.close(); // w1 dies: its job's lock is no longer renewed,
  await w1.backend.close(); // and it hears nothing more.

  // Dead right after the step: nothing after it runs (released at cleanup, when w2's take just fails).
  const { dying, died, never } = dyingAfter(taskId, step, 'worker w2');
  const w2 = await s.worker('w2', 'ask', config, work('w2'), {
    ...FAST,
    ...(maxStalledCount === undefined ? {} : { maxStalledCount }),
    [step === 'settle' ? 'wrapStore' : 'wrapQueue']: dying,
  });
  s.later(async () => never.resolve());
  await died.promise;
  await w2.pool.close();
  await w2.backend.close();

  await s.worker('w3', 'ask', config, work('w3'), FAST);
  const jobs = s.jobs('ask');
  await eventually(async () => ['completed', 'failed'].includes(await jobs.getJobState(taskId)), 10_000);
  const queueKeys = [keys.queue(taskId), keys.open(taskId), keys.notificationCount(taskId), keys.held(taskId), keys.answers(taskId)];
  return { client: front.session.client, store: front.backend.store, r, taskId, queueKeys, starts };
}

/** The front's client comes back for the result: the error it gets, and what it was asked on the way. */
async function returningClient({ client, taskId }: Awaited<ReturnType<typeof dyingRerun>>) {
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: 'decline' };
  });
  const error = await taskResult(client, taskId).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { error, asked };
}

it('a worker that dies right after storing the failure leaves no queued request behind, and the client is asked nothing', async () => {
  const run = await dyingRerun('settle');
  expect(await run.r.exists(...run.queueKeys)).toBe(0);
  const { error, asked } = await returningClient(run);
  expect(error).toBeInstanceOf(McpError);
  expect([(error as McpError).code, (error as McpError).message]).toEqual([ErrorCode.InternalError, expect.stringContaining(STOPPED)]);
  expect(asked).toEqual([]);
  expect(run.starts).toEqual(['w1']);
}, 20_000);

it('a worker that dies right after clearing the queue: the next worker fails the task', async () => {
  const run = await dyingRerun('clear');
  const { error, asked } = await returningClient(run);
  expect((error as McpError).message).toContain(STOPPED);
  expect(asked).toEqual([]);
  expect(await run.r.exists(...run.queueKeys)).toBe(0);
  expect(run.starts).toEqual(['w1']);
}, 20_000);

it('a worker that gives up on the stalled job and dies right after clearing the queue has stored the failure already', async () => {
  const run = await dyingRerun('clear', 0);
  const record = await run.store.get(run.taskId);
  expect([record?.status, record?.statusMessage]).toEqual(['failed', expect.stringContaining('The worker pool gave up on this task')]);
  expect(await run.r.exists(...run.queueKeys)).toBe(0);
  expect(run.starts).toEqual(['w1']);
}, 20_000);
