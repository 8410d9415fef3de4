// A tasks/cancel served by an instance that does not run the task (cancelUnrun) stores the cancel,
// then clears the task's queue: two steps. It cannot clear first, since a cancel the store refuses
// (the task ended first) must leave the queue its tasks/result delivers. An instance that dies
// between the two leaves the task's queued input request in Redis. A runner still alive clears it
// when it hears of the end (its lease renewal sees it within a renewal, and its refused cancel
// clears the queue); a runner that is gone too leaves it until the queue keys' safety expiry. A
// later tasks/result of the cancelled task asked the client that request before answering that
// the task was cancelled; now it is not sent, and that read drops it.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ElicitRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedMessage } from '../../src/backends/TaskMessageQueue.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { createTask, deferred, taskResult } from '../support/harness.js';
import { closeInstance, hook, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

const { redis } = redisForFile();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('an instance that dies between storing a cancel and clearing the queue leaves no request a later tasks/result asks', async () => {
  const prefix = `cul${randomBytes(4).toString('hex')}:`;
  const died = deferred();
  const never = deferred();
  const dying: { taskId?: string } = {};
  const runner = await instance(redis(), 'runner', prefix);
  // The cancelling instance: its queue's clear of the armed task never returns (dead from there on).
  const canceller = await instance(redis(), 'canceller', prefix, {
    // No takeover of the runner's task within the test: the cancel is what ends it.
    backend: { sweepEveryMs: 600_000 },
    wrapQueue: (queue) =>
      hook(queue, 'clear', async (call, args) => {
        if (args[0] !== dying.taskId) return call();
        died.resolve();
        await never.promise;
        throw new Error('instance died');
      }),
  });
  const r = raw(redis());
  cleanups.push(async () => {
    r.disconnect();
    never.resolve();
    for (const member of [canceller, runner] as Instance[]) await closeInstance(member).catch(() => {});
  });

  const { taskId } = await createTask(runner.session.client, 'job', { key: 'k' });
  await runner.jobs.get('k');
  // The run's question, waiting in the shared queue for a tasks/result (enqueued as a run does).
  const related = { 'io.modelcontextprotocol/related-task': { taskId } };
  const question: QueuedMessage = {
    kind: 'request',
    requestId: 'r1',
    message: {
      jsonrpc: '2.0',
      id: 'r1',
      method: 'elicitation/create',
      params: { message: 'which one?', requestedSchema: { type: 'object', properties: {} }, _meta: related },
    },
  };
  await runner.tasks.queue.enqueue(taskId, question);
  // The runner is gone as far as Redis can tell: nothing renews its lease or clears the queue.
  await runner.backend.close();

  dying.taskId = taskId;
  const cancel = canceller.session.client.experimental.tasks.cancelTask(taskId).catch(() => undefined);
  cleanups.push(async () => void (await cancel));
  await died.promise;
  expect((await canceller.tasks.store.get(taskId))?.status).toBe('cancelled');
  const keys = new RedisKeys(prefix);
  expect(await r.exists(keys.queue(taskId), keys.open(taskId))).toBe(2);

  const asked: string[] = [];
  canceller.session.client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: 'decline' };
  });
  const error = await taskResult(canceller.session.client, taskId).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(McpError);
  expect([(error as McpError).code, (error as McpError).message]).toEqual([ErrorCode.InternalError, expect.stringContaining('cancelled')]);
  expect(asked).toEqual([]);
  // Dropped by that read: nothing of it is left in Redis for the queue keys' 24 h safety expiry.
  expect(await r.exists(keys.queue(taskId), keys.open(taskId), keys.held(taskId))).toBe(0);
}, 20_000);
