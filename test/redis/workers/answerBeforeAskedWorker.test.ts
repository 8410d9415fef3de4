/**
 * A worker pool's split of test/redis/answerBeforeAskedAcross.test.ts: the work runs on a worker,
 * whose reply to a request's enqueue comes late (the request is in Redis, the worker's task actor
 * not told yet). The client's `tasks/result` on the front takes the request, the client answers,
 * and the front forwards the answer to the worker. Before, the worker's actor (still `working`)
 * ignored it, then waited for it until the task's ttl; now the worker keeps it on the ask and hands
 * it on once its actor is told (PendingAnswer.keepEarly).
 */
import { expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import { holdingFirstRequest, tellingAnswers } from '../../support/tellingAnswers.js';
import { answerWith } from '../../support/askingTools.js';
import { createTask, deferred, taskResult } from '../../support/harness.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';

const pools = useWorkerPools('abaw');

it('gives the work on a worker an answer the front forwarded for a request taken before the reply to its enqueue came', async () => {
  const s = pools.split();
  const gate = deferred();
  const answerReachedWorker = deferred();
  const front = await s.front('ask', { taskSupport: 'required' });
  const backend = await s.backend('w1');
  const worker = new TaskSupport({
    store: backend.store,
    queue: holdingFirstRequest(backend.queue, gate.promise),
    cluster: tellingAnswers(backend.cluster, () => answerReachedWorker.resolve()),
    // The held reply must not count as a store that is away.
    storeTimeout: 10_000,
    placement: s.pool('worker'),
    logger: quiet,
  });
  s.later(async () => {
    gate.resolve();
    await worker.close();
  });
  worker.registerTool(new McpServer({ name: 'w1', version: '1' }), 'ask', { taskSupport: 'required' }, async (_args, task) => {
    const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
    return { content: [{ type: 'text', text: `answer: ${answer.action}` }] };
  });
  let asked = 0;
  answerWith(front.session.client, { elicit: () => (asked++, { action: 'accept', content: {} }) });
  const task = await createTask(front.session.client, 'ask', {});
  const result = taskResult(front.session.client, task.taskId, { signal: AbortSignal.timeout(5_000) });
  // The front took the request, its client answered, and the worker handled the forwarded answer:
  // all before the worker's actor was told of the request (its enqueue's reply is still held).
  await answerReachedWorker.promise;
  expect(asked).toBe(1);
  gate.resolve();
  expect((await result).content).toEqual([{ type: 'text', text: 'answer: accept' }]);
  expect(asked).toBe(1);
}, 20_000);
