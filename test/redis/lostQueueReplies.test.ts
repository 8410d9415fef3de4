/**
 * A connection to Redis that drops while the reply to a queue call is on its way: Redis ran the
 * call, and ioredis sends the unanswered command again on its next connection (or fails it).
 * - A take: before the fix the take sent again found the queue empty and answered `[]`. The
 *   elicitation the work had queued was gone from the queue (still outstanding), no `tasks/result`
 *   ever delivered it, and the task waited for input until its ttl (seen with `CLIENT KILL TYPE
 *   normal` in a loop under load). A take now names itself: one sent again answers what it took.
 * - A requeue (a delivered request put back when its `tasks/result` ended unanswered): before the
 *   fix the MULTI sent again put the request back twice, and the client was asked twice. A
 *   requeue now names itself too: one sent again changes nothing.
 *
 * A TCP proxy between the backend and its own redis-server drops the connection once, right after
 * Redis answered the call, before the answer reaches the backend.
 */
import { expect, it } from 'vitest';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { createTask, eventually, sleep, taskResult } from '../support/harness.js';
import { closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { queueProxy } from './queueProxy.js';

const file = redisForFile();

/** The shared proxy (queueProxy.ts), armed later to drop the reply to the first command holding `marker`. */
async function replyDropper(port: number, marker: string): ReturnType<typeof queueProxy> {
  const proxy = await queueProxy(port);
  proxy.armed.marker = marker;
  return proxy;
}

/**
 * `resend`: whether ioredis sends the unanswered take again itself (its default), or fails it, so
 * that the take is tried again by the `tasks/result` that asked (its store-unavailable retry). The
 * second needs ioredis 6: 5.9.2 drops such a command without ever answering it (the store deadline
 * then ends the call, and the take that ran is not found again); this file runs on ioredis 6 only.
 */
for (const resend of [true, false]) {
  it(`delivers an elicitation whose first take lost its reply (${resend ? 'sent again by ioredis' : 'failed, then taken again'})`, async () => {
    // In this flow the first command to name the notification count key is the take.
    const proxy = await replyDropper(file.redis().port, '}:qn');
    const prefix = `take${String(resend)}:`;
    let a: Instance | undefined;
    try {
      a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
        extraTools: (tasks, server) => registerAskingTools(tasks, server),
        backend: { redis: { autoResendUnfulfilledCommands: resend } },
      });
      const client = a.session.client;
      answerWith(client, { elicit: () => ({ action: 'accept', content: { value: 'answered' } }) });
      proxy.armed.on = true;
      const task = await createTask(client, 'ask', { key: 'q' });
      const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
      expect(proxy.armed.dropped).toBe(1);
      expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
      // Nothing of the request left behind: answered, so neither queued nor outstanding.
      const r = raw(file.redis());
      try {
        expect(await r.llen(`${prefix}{${task.taskId}}:queue`)).toBe(0);
        expect(await r.hlen(`${prefix}{${task.taskId}}:open`)).toBe(0);
      } finally {
        r.disconnect();
      }
    } finally {
      if (a) await closeInstance(a);
      await proxy.close();
    }
  }, 20_000);
}

it('puts a delivered, unanswered request back once when the reply to its requeue was lost', async () => {
  // The requeue is the only command of this flow that pushes at the head of the queue.
  const proxy = await replyDropper(file.redis().port, 'lpush');
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', 'requeue:', {
      extraTools: (tasks, server) => registerAskingTools(tasks, server),
    });
    const client = a.session.client;
    let asked = 0;
    // Asked first on the tasks/result below, which ends unanswered: the request goes back to the queue.
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const task = await createTask(client, 'ask', { key: 'q' });
    const first = new AbortController();
    const unanswered = taskResult(client, task.taskId, { signal: first.signal }).catch(() => undefined);
    await eventually(() => asked === 1);
    proxy.armed.on = true;
    first.abort();
    await unanswered;
    await eventually(() => proxy.armed.dropped === 1);
    // Sent again on the next connection: queued once.
    await sleep(300);
    const r = raw(file.redis());
    try {
      expect(await r.llen(`requeue:{${task.taskId}}:queue`)).toBe(1);
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
