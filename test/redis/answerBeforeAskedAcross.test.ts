/**
 * On two instances sharing Redis: a request whose enqueue ran in Redis but whose reply reached the
 * task's runner (A) late is in the shared queue before A's task actor has heard of it. A
 * `tasks/result` on B (which runs nothing of the task, so holds none of its writes) takes it, the
 * client answers, and B forwards the answer to A. Before, A sent it to an actor still `working`,
 * which ignored it; told of the request a moment later, the actor went `input_required` and waited
 * for an answer already given until the task's ttl (B's `tasks/result` with it). Now A keeps the
 * answer on the ask and hands it on right after telling the actor (PendingAnswer.keepEarly).
 * Single-instance twin: test/redis/answerBeforeAsked.test.ts.
 */
import { expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import type { OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { holdingFirstRequest, tellingAnswers } from '../support/tellingAnswers.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { connectInMemory, createTask, deferred, taskResult } from '../support/harness.js';
import { closeInstance, hook, instance, LEASE_MS, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

const file = redisForFile();

it('gives the work an answer forwarded from another instance whose tasks/result took the request before the reply to its enqueue came', async () => {
  const gate = deferred();
  const tookRequest = deferred();
  const answerReachedA = deferred();
  const prefix = 'across:';
  const backendA = await createRedisTaskBackend({ url: file.redis().url, prefix, instanceId: 'a', leaseMs: LEASE_MS, sweepEveryMs: 100 });
  const errorsA: unknown[][] = [];
  const a = new TaskSupport({
    store: backendA.store,
    queue: holdingFirstRequest(backendA.queue, gate.promise),
    cluster: tellingAnswers(backendA.cluster, () => answerReachedA.resolve()),
    // The held reply must not count as a store that is away.
    storeTimeout: 10_000,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: () => {}, error: (...args: unknown[]) => void errorsA.push(args) },
  });
  const sessionA = await connectInMemory(a, (server) => registerAskingTools(a, server));
  let b: Instance | undefined;
  try {
    b = await instance(file.redis(), 'b', prefix, {
      wrapQueue: (queue) =>
        hook(queue, 'dequeueAll', async (call) => {
          const taken = (await call()) as OutboxMessage[];
          if (taken.some((message) => message.kind === 'request')) tookRequest.resolve();
          return taken;
        }),
    });
    let asked = 0;
    const elicit = (): { action: 'accept'; content: { value: string } } => (asked++, { action: 'accept', content: { value: 'given' } });
    answerWith(sessionA.client, { elicit });
    answerWith(b.session.client, { elicit });
    const task = await createTask(sessionA.client, 'ask', { key: 'q' });
    const result = taskResult(b.session.client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    await tookRequest.promise;
    // B asked its client, which answered, and A handled the forwarded answer: all before A's actor
    // was told of the request (the enqueue's reply is still held).
    await answerReachedA.promise;
    expect(asked).toBe(1);
    gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'given' }]);
    expect(asked).toBe(1);
    expect([...errorsA, ...b.errors]).toEqual([]);
  } finally {
    gate.resolve();
    if (b) await closeInstance(b);
    await sessionA.close();
    await a.close();
    await backendA.close();
  }
}, 20_000);
