import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { QueuedMessage } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';

// The Redis side of issue 12, item 9 (test/protocol/limits.notifications.test.ts runs the behaviour on both
// queues): the per-task notification count the enqueue script keeps goes with the queue, and a
// notification whose caller put `message` before `kind` is still recognised as one.

let backend: RedisTaskBackend;
let raw: Redis;
let prefix: string;

beforeEach(async () => {
  prefix = `cap${randomBytes(4).toString('hex')}:`;
  backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  raw = new Redis(inject('redisUrl'));
});
afterEach(async () => {
  raw.disconnect();
  await backend.close();
});

const note = (data: number): QueuedMessage =>
  // Key order on purpose: `message` first.
  ({
    message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data } },
    kind: 'notification',
  }) as QueuedMessage;

describe('Redis notification cap', () => {
  it('keeps its count beside the list, and removes it with the list', async () => {
    const { queue } = backend;
    for (let i = 0; i < 5; i++) await queue.enqueue('t', note(i), { maxNotifications: 3 });
    expect(await raw.get(`${prefix}{t}:qn`)).toBe('3');
    expect(await raw.llen(`${prefix}{t}:queue`)).toBe(3);
    expect(await raw.pttl(`${prefix}{t}:qn`)).toBeGreaterThan(0);
    await queue.dequeueAll('t');
    expect(await raw.exists(`${prefix}{t}:qn`, `${prefix}{t}:queue`)).toBe(0);
    await queue.enqueue('t', note(9), { maxNotifications: 3 });
    await queue.clear('t');
    expect(await raw.exists(`${prefix}{t}:qn`, `${prefix}{t}:queue`)).toBe(0);
  });
});
