/**
 * The order of one store's status updates holds in Redis even when a call runs after its deadline:
 * the update script refuses an update older than the last one the same store stored (what a late
 * copy looks like on a Redis Cluster: test/redis/cluster/staleWrites.test.ts), and compares only
 * updates of one store object, so another instance or a restarted process is never refused.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { withScripts } from '../../src/redis/scripts.js';
import type { TaskRecord } from '../../src/index.js';

let one: RedisTaskBackend;
let two: RedisTaskBackend;
let direct: Redis;
let prefix: string;

beforeEach(async () => {
  prefix = `stale${randomBytes(4).toString('hex')}:`;
  one = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  two = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  direct = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  direct.on('error', () => {});
});
afterEach(async () => {
  await one.close();
  await two.close();
  direct.disconnect();
});

function record(taskId: string): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner: 'o', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100 };
}

describe('status updates of one store, run out of order in Redis', () => {
  it('refuses an update older than the last one the same store stored, and takes another store’s', async () => {
    await one.store.create(record('late'));
    const key = `${prefix}{late}:task`;
    const scripts = withScripts(direct);
    const now = new Date().toISOString();
    // The script's arguments as RedisTaskStore.update sends them: status, has message, message, now, runner, writer, count.
    const update = (status: string, message: string, writer: string, seq: number): Promise<string[] | null> =>
      scripts.mtaUpdate(key, status, '1', message, now, '', writer, String(seq));
    expect(await update('input_required', 'asking', 'store-a', 7)).not.toBeNull();
    // Call 5 of the same store lands after call 7: refused, the newer status stays.
    expect(await update('working', 'older step', 'store-a', 5)).toBeNull();
    expect(await one.store.get('late')).toMatchObject({ status: 'input_required', statusMessage: 'asking' });
    // The same call again (a resend of call 7) is no older: taken.
    expect(await update('input_required', 'asking', 'store-a', 7)).not.toBeNull();
    // Another store's first update (a takeover, a restarted process) is taken whatever its count.
    expect(await update('working', 'taken over', 'store-b', 1)).not.toBeNull();
    expect(await one.store.get('late')).toMatchObject({ status: 'working', statusMessage: 'taken over' });
  });

  it('stores each store’s updates in call order, and one store’s after another’s', async () => {
    await one.store.create(record('turns'));
    for (const step of ['one', 'two', 'three']) expect((await one.store.update('turns', 'working', step))?.statusMessage).toBe(step);
    // A second store (its own count starts again at 1) is not refused for the first one's count.
    expect((await two.store.update('turns', 'input_required', 'from two'))?.status).toBe('input_required');
    expect((await one.store.update('turns', 'working', 'back on one'))?.statusMessage).toBe('back on one');
    const stored = await two.store.get('turns');
    expect(stored).toMatchObject({ status: 'working', statusMessage: 'back on one' });
    // The bookkeeping fields stay out of the record.
    expect(Object.keys(stored!).sort()).toEqual(Object.keys({ ...record('turns'), statusMessage: '' }).sort());
  });
});
