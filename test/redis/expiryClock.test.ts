/**
 * A task is gone at createdAt + ttl by the clock of the instance that reads it, on every read, even
 * while its hash is still in Redis (the runner's delete not landed yet, or Redis's own expiry, which
 * follows Redis's clock, not due yet). Redis's PEXPIREAT stays as the garbage collection.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import type { TaskRecord } from '../../src/index.js';

const TTL = 60_000;
let one: RedisTaskBackend;
let two: RedisTaskBackend;
let raw: Redis;
let prefix: string;

beforeEach(async () => {
  prefix = `clock${randomBytes(4).toString('hex')}:`;
  one = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  two = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  raw = new Redis(inject('redisUrl'));
  // Only Date: the Redis clients keep their real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  raw.disconnect();
  await one.close();
  await two.close();
});

function record(taskId: string, status: TaskRecord['status'] = 'working'): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner: 'clock-owner', status, createdAt: now, lastUpdatedAt: now, ttl: TTL, pollInterval: 100 };
}

describe('RedisTaskStore reads apply the ttl by the reading instance clock', () => {
  it('get and list find a task until its deadline and not from then on, on every instance, while Redis still holds it', async () => {
    await one.store.create(record('ticking'));
    await one.store.create(record('kept'));
    vi.setSystemTime(Date.now() + TTL - 1);
    expect((await two.store.get('ticking'))?.status).toBe('working');
    expect((await two.store.list('clock-owner', undefined, 10)).tasks.map((t) => t.taskId)).toEqual(['ticking', 'kept']);

    vi.setSystemTime(Date.now() + 1);
    // The hash is still there, and Redis still means to expire it (in real time, a minute from now).
    expect(await raw.exists(`${prefix}{ticking}:task`)).toBe(1);
    expect(await raw.pttl(`${prefix}{ticking}:task`)).toBeGreaterThan(0);
    for (const store of [one.store, two.store]) {
      expect(await store.get('ticking')).toBeUndefined();
      expect((await store.list('clock-owner', undefined, 10)).tasks).toEqual([]);
    }
  });

  it('a wait for the end of a task past its deadline returns at once', async () => {
    await one.store.create(record('waited'));
    vi.setSystemTime(Date.now() + TTL);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2000);
    await two.store.waitForTerminal('waited', controller.signal);
    clearTimeout(timer);
    expect(controller.signal.aborted, 'returned before the 2 s guard').toBe(false);
  });

  it('a later page of a list skips a task that passed its deadline without losing the live ones', async () => {
    await one.store.create(record('p0'));
    vi.setSystemTime(Date.now() + 10_000);
    await one.store.create(record('p1'));
    await one.store.create(record('p2'));
    const first = await two.store.list('clock-owner', undefined, 1);
    expect(first.tasks.map((t) => t.taskId)).toEqual(['p0']);
    vi.setSystemTime(Date.now() + TTL - 10_000);
    const rest = await two.store.list('clock-owner', undefined, 10);
    expect(rest.tasks.map((t) => t.taskId)).toEqual(['p1', 'p2']);
    expect((await two.store.list('clock-owner', first.nextCursor, 10)).tasks.map((t) => t.taskId)).toEqual(['p1', 'p2']);
  });
});
