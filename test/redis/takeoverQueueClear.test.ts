// A takeover that fails a dead runner's task (its tool not restartable) clears the dead run's queued
// requests before it stores the failure (ClusterLink.adopt). Before, it cleared them after: a
// survivor that died between the two left them in Redis until the queue keys' 24 h safety expiry
// (the next sweep finds the task ended and only releases it), and a tasks/result read then asked
// the client the dead run's question for a task that had failed. Dying after the clear instead is
// safe: the task is not ended yet, its lease lapses, and the next survivor clears and fails it again.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, taskResult } from '../support/harness.js';
import { closeInstance, dyingAfter, instance, LEASE_MS, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

const file = redisForFile();

/** Ends the test's instances (a dead one's backend is closed already); runs hung adoptions to their end. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STOPPED = 'The server instance running this task stopped before it finished';

/** The keys of the task's queue: messages for tasks/result, outstanding requests, their count. */
function queueKeys(prefix: string, taskId: string): string[] {
  return ['queue', 'open', 'qn', 'held', 'answers'].map((key) => `${prefix}{${taskId}}:${key}`);
}

/**
 * Instance `a` runs a `job` that asks a client gone meanwhile (its request waits in the task's
 * Redis queue) and dies. Instance `b` takes the task over with `step` ('settle' or 'clear') of the queue or store
 * wrapped: the step runs, then `b` dies there (its adoption never goes on, its backend closes).
 */
async function dyingTakeover(step: 'settle' | 'clear'): Promise<{ prefix: string; taskId: string; b: Instance }> {
  const prefix = `qc${randomBytes(4).toString('hex')}:`;
  const a = await instance(file.redis(), 'a', prefix);
  cleanups.push(() => a.tasks.close());
  const { taskId } = await createTask(a.session.client, 'job_required', { key: 'asks' });
  const job = await a.jobs.get('asks');
  // The client went away: the question waits in the task's queue for a tasks/result, on any instance.
  await a.session.close();
  void job.task.elicit({ message: 'which one?', requestedSchema: { type: 'object', properties: {} } }).catch(() => {});
  const r = raw(file.redis());
  try {
    await eventually(async () => (await r.exists(`${prefix}{${taskId}}:queue`, `${prefix}{${taskId}}:open`)) === 2);
  } finally {
    r.disconnect();
  }
  await a.backend.close(); // A dies.

  // Dead right after the step: nothing after it runs (released at cleanup, when the adoption just fails).
  const { dying, died, never } = dyingAfter(taskId, step, 'instance b');
  const b = await instance(file.redis(), 'b', prefix, step === 'settle' ? { wrapStore: dying } : { wrapQueue: dying });
  cleanups.push(async () => {
    never.resolve();
    await b.session.close();
    await b.tasks.close();
  });
  await died.promise;
  await b.backend.close();
  return { prefix, taskId, b };
}

it('a survivor that dies right after storing the failure leaves no queued request behind, and asks the client nothing', async () => {
  const { prefix, taskId } = await dyingTakeover('settle');
  const c = await instance(file.redis(), 'c', prefix);
  cleanups.push(() => closeInstance(c));
  // C sweeps every 100 ms; a few leases give it every chance to tidy up what b left.
  const r = raw(file.redis());
  try {
    await eventually(async () => (await r.exists(...queueKeys(prefix, taskId))) === 0, 6 * LEASE_MS);
  } finally {
    r.disconnect();
  }
  // The client comes back: it gets the failure, and no question of the dead run.
  const asked: string[] = [];
  c.session.client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: 'decline' };
  });
  const result = await taskResult(c.session.client, taskId).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(result).toBeInstanceOf(McpError);
  expect((result as McpError).message).toContain(STOPPED);
  expect(asked).toEqual([]);
}, 20_000);

it('a survivor that dies right after clearing the queue: the next survivor takes the task over and fails it', async () => {
  const { prefix, taskId } = await dyingTakeover('clear');
  const c = await instance(file.redis(), 'c', prefix);
  cleanups.push(() => closeInstance(c));
  // A tasks/result waiting on c meanwhile gets the failure once c's sweep took the task over.
  const result = await taskResult(c.session.client, taskId).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect((result as McpError).message).toContain(STOPPED);
  const r = raw(file.redis());
  try {
    expect(await r.hget(`${prefix}{${taskId}}:task`, 'status')).toBe('failed');
    expect(await r.exists(...queueKeys(prefix, taskId))).toBe(0);
  } finally {
    r.disconnect();
  }
}, 20_000);
