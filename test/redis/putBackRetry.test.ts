/**
 * A `tasks/result` that ends with its elicitation unanswered puts the request back in the queue for
 * the next one (taskStorage.ts putBackUnanswered). Before the fix one failed try was the end of it:
 * with Redis away at that moment, the request stayed outstanding but out of the queue, the next
 * `tasks/result` never asked it, and the task waited in input_required until its ttl. The put-back
 * is now tried again with backoff while the task lives, and once only: a try whose reply was lost
 * after Redis ran it is sent again under its id, so the request is not queued twice.
 */
import { expect, it } from 'vitest';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { createTask, eventually, sleep, taskResult } from '../support/harness.js';
import { closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { queueProxy } from './queueProxy.js';

const file = redisForFile();

it('asks an unanswered elicitation again on the next tasks/result when Redis was away as the last one ended', async () => {
  const proxy = await queueProxy(file.redis().port);
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', 'away:', {
      extraTools: (tasks, server) => registerAskingTools(tasks, server),
    });
    const client = a.session.client;
    let asked = 0;
    // Not answered on the first tasks/result, which ends without it: the request must go back.
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const task = await createTask(client, 'ask', { key: 'q' });
    const first = new AbortController();
    const unanswered = taskResult(client, task.taskId, { signal: first.signal }).catch(() => undefined);
    await eventually(() => asked === 1);
    // Redis away as that call ends: its put-back fails.
    proxy.cut();
    first.abort();
    await unanswered;
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    await sleep(400);
    proxy.restore();
    // Back (a tasks/result whose first read finds Redis away is refused): the put-back is tried
    // again, and the next tasks/result asks the request.
    await eventually(() =>
      client.experimental.tasks.getTask(task.taskId).then(
        () => true,
        () => false,
      ),
    );
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(8_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);

it('puts a request back once when a failed try of its put-back ran after all', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'tried:';
  let a: Instance | undefined;
  try {
    // ioredis fails the requeue whose reply was lost (it sends nothing again itself): the put-back
    // is tried again by the engine, which must not put the request back a second time.
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: (tasks, server) => registerAskingTools(tasks, server),
      backend: { redis: { autoResendUnfulfilledCommands: false } },
    });
    const client = a.session.client;
    let asked = 0;
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const task = await createTask(client, 'ask', { key: 'q' });
    const first = new AbortController();
    const unanswered = taskResult(client, task.taskId, { signal: first.signal }).catch(() => undefined);
    await eventually(() => asked === 1);
    // The requeue is the only command of this flow that pushes at the head of the queue.
    proxy.armed.marker = 'lpush';
    proxy.armed.on = true;
    first.abort();
    await unanswered;
    await eventually(() => proxy.armed.dropped === 1);
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    // Time for the tries after the failed one (the first comes 100 ms later).
    await sleep(600);
    const r = raw(file.redis());
    try {
      expect(await r.llen(`${prefix}{${task.taskId}}:queue`)).toBe(1);
    } finally {
      r.disconnect();
    }
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);

it('puts a request back once when the engine gave up on a try that was only slow', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'slow:';
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: (tasks, server) => registerAskingTools(tasks, server),
      // A long lease: the commands held below must not look like a dead runner.
      backend: { leaseMs: 10_000 },
    });
    const client = a.session.client;
    let asked = 0;
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const task = await createTask(client, 'ask', { key: 'q' });
    const first = new AbortController();
    const unanswered = taskResult(client, task.taskId, { signal: first.signal }).catch(() => undefined);
    await eventually(() => asked === 1);
    // The requeue reaches Redis 1 s late, long after the store deadline (300 ms): the engine counts
    // it failed and tries again, its next looks queued behind it on the connection.
    proxy.armed.marker = 'lpush';
    proxy.armed.holdMs = 1_000;
    proxy.armed.on = true;
    first.abort();
    await unanswered;
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    await sleep(2_000);
    const r = raw(file.redis());
    try {
      expect(await r.llen(`${prefix}{${task.taskId}}:queue`)).toBe(1);
    } finally {
      r.disconnect();
    }
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);
