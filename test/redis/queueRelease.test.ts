import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { InMemoryTaskMessageQueue } from '../../src/index.js';
import type { QueuedMessage, TaskMessageQueue } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';

/*
 * `resolve` releases an answered request from the task's queue at once, on both queues: a task
 * polled through the tasks extension is never dequeued, so an answered request left in its list
 * stayed there until the ttl (50 answered tasks: 50 lists in Redis, 50 entries in memory).
 */

let backend: RedisTaskBackend;
let raw: Redis;
let prefix: string;

beforeEach(async () => {
  prefix = `release${randomBytes(4).toString('hex')}:`;
  backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  raw = new Redis(inject('redisUrl'));
});
afterEach(async () => {
  raw.disconnect();
  await backend.close();
});

function request(requestId: string): Extract<QueuedMessage, { kind: 'request' }> {
  return {
    kind: 'request',
    requestId,
    message: {
      jsonrpc: '2.0',
      id: requestId,
      method: 'elicitation/create',
      params: { message: `${requestId}?`, requestedSchema: { type: 'object', properties: { n: { type: 'number' } } } },
    },
  };
}
const note: QueuedMessage = {
  kind: 'notification',
  message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } },
};

/** The same scenario on any queue; `stored` counts what the backend still keeps for the task. */
async function releasesAnswered(queue: TaskMessageQueue, stored: () => Promise<number>): Promise<void> {
  await queue.enqueue('t', note);
  await queue.enqueue('t', request('r1'));
  await queue.enqueue('t', request('r2'));
  expect(await queue.resolve('t', 'r1')).toBe(true);
  expect(await queue.resolve('t', 'r1'), 'a second answer to r1 finds nothing').toBe(false);
  expect(await queue.resolve('t', 'never-asked')).toBe(false);
  // Taken and put back (a tasks/result that went away), then answered: released as well.
  const taken = await queue.dequeueAll('t');
  expect(taken).toEqual([note, request('r2')]);
  await queue.requeue('t', taken);
  expect(await queue.resolve('t', 'r2')).toBe(true);
  expect(await queue.dequeueAll('t'), 'only the notification was left').toEqual([note]);
  expect(await queue.outstanding('t')).toEqual([]);
  expect(await stored(), 'nothing left for the task').toBe(0);
  // An answered request no longer makes waitForMessage answer "queued".
  await queue.enqueue('t', request('r3'));
  await queue.resolve('t', 'r3');
  const stop = new AbortController();
  let woke = false;
  void queue.waitForMessage('t', stop.signal).then(() => (woke = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(woke, 'waitForMessage of an empty queue waits').toBe(false);
  stop.abort();
  expect(await stored()).toBe(0);
}

describe('answered requests leave the queue', () => {
  it('in Redis: the list entry and the outstanding entry both go', async () => {
    await releasesAnswered(backend.queue, async () => (await raw.exists(`${prefix}{t}:queue`, `${prefix}{t}:open`)) as number);
  });

  it('in memory', async () => {
    const queue = new InMemoryTaskMessageQueue();
    await releasesAnswered(queue, async () => queue.size);
  });
});
