/**
 * A real client hurt by a slow Redis, one instance, nothing wrapped: a work's enqueue reaches Redis
 * late (every command on its connection held 1.75 s), misses the store timeout (300 ms here) and is
 * tried again with backoff; the tries are held behind it, and time out too. When Redis gets the
 * commands the request is queued at once, its PUBLISH wakes the `tasks/result` waiting for the task,
 * which takes the request, asks the client, and the client answers, all before the next try of
 * the enqueue (its backoff pause runs 1.55 s to 1.95 s) tells the task's actor it waits. Before
 * TaskPort held the task's writes until then (holdWritesUntilAsked), the answer reached an actor
 * still `working`, which ignored it: the task waited in `input_required` for an answer already
 * given, and the client's `tasks/result` with it. The pauses are the engine's (50, 100, 200,
 * 400 ms after tries of 300 ms): the hold ends 200 ms from either edge of that pause. Timers on two
 * sides make it a real-time case, not an exact one: on the old code it hung in 5 of 7 runs here.
 * The exact orderings are answerBeforeAsked.test.ts and firstAskPath.test.ts (here and in test/engine).
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { answerWith } from '../support/askingTools.js';
import { createTask, deferred, eventually, taskResult } from '../support/harness.js';
import { closeInstance, instance, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { resultsAttached } from '../support/resultsAttached.js';
import { queueProxy } from './queueProxy.js';

const file = redisForFile();

it('gives the work the answer its client gave before the slow reply to the enqueue came', async () => {
  const proxy = await queueProxy(file.redis().port);
  const gate = deferred();
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', 'slowreply:', {
      // A long lease: the held commands must not look like a dead runner.
      backend: { leaseMs: 10_000 },
      extraTools: (tasks, server) =>
        tasks.registerTool(server, 'gated', { taskSupport: 'required', inputSchema: { key: z.string() } }, async (_args, task) => {
          await gate.promise;
          const answer = await task.elicit({ message: 'marker-slow-5d1', requestedSchema: { type: 'object', properties: {} } });
          return { content: [{ type: 'text', text: answer.action }] };
        }),
    });
    const client = a.session.client;
    let asked = 0;
    answerWith(client, { elicit: () => (asked++, { action: 'accept', content: {} }) });
    const task = await createTask(client, 'gated', { key: 'k' });
    const result = taskResult(client, task.taskId, { signal: AbortSignal.timeout(8_000) });
    // The tasks/result waits for the task's messages before the work asks.
    await eventually(() => resultsAttached(a!.tasks, task.taskId) === 1);
    proxy.armed.marker = 'marker-slow-5d1';
    proxy.armed.holdMs = 1_750;
    proxy.armed.on = true;
    gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'accept' }]);
    expect(asked).toBe(1);
  } finally {
    gate.resolve();
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);
