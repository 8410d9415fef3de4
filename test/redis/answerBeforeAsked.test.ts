/**
 * On Redis: a request whose enqueue ran in Redis but whose reply reached the task's runner late
 * (a slow reply, one sent again after a lost reply) was already in the queue for a `tasks/result`
 * to take, while the task's actor had not heard of it. The client was asked, answered, and the
 * answer reached an actor still `working`, which ignored it: the task then waited in
 * `input_required` for an answer already given (test/engine/answerBeforeAsked.test.ts has the
 * in-memory case and the reason). The reply is held here in a wrapper of the backend's queue, so
 * the ordering is exact; the enqueue itself is the real one.
 */
import { expect, it } from 'vitest';
import type { OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { holdingFirstRequest } from '../support/tellingAnswers.js';
import { answerGiven, registerAskingTools } from '../support/askingTools.js';
import { createTask, deferred, sleep, taskResult } from '../support/harness.js';
import { closeInstance, hook, instance, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

const file = redisForFile();

it('gives the work the answer to a request a tasks/result took before the reply to its enqueue came', async () => {
  const gate = deferred();
  const tookRequest = deferred();
  let a: Instance | undefined;
  try {
    a = await instance(file.redis(), 'a', 'early:', {
      extraTools: (tasks, server) => registerAskingTools(tasks, server),
      // The held reply must not count as a store that is away.
      storeTimeout: 10_000,
      wrapQueue: (queue) =>
        hook(holdingFirstRequest(queue, gate.promise), 'dequeueAll', async (call) => {
          const taken = (await call()) as OutboxMessage[];
          if (taken.some((message) => message.kind === 'request')) tookRequest.resolve();
          return taken;
        }),
    });
    const client = a.session.client;
    const { answered, asked } = answerGiven(client);
    const task = await createTask(client, 'ask', { key: 'q' });
    const result = taskResult(client, task.taskId, { signal: AbortSignal.timeout(8_000) });
    await tookRequest.promise;
    // Before the fix the client was asked and answered here; now the request waits for the reply
    // (nothing to await then: a bounded look).
    await Promise.race([answered, sleep(300)]);
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'given' }]);
    expect(asked()).toBe(1);
  } finally {
    gate.resolve();
    if (a) await closeInstance(a);
  }
}, 20_000);
