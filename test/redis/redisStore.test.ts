import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import type { TaskRecord } from '../../src/index.js';

let one: RedisTaskBackend;
let two: RedisTaskBackend;
let prefix: string;

beforeEach(async () => {
  prefix = `store${randomBytes(4).toString('hex')}:`;
  one = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
  two = await createRedisTaskBackend({ url: inject('redisUrl'), prefix });
});
afterEach(async () => {
  await one.close();
  await two.close();
});

function record(taskId: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner: 'o', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100, ...overrides };
}

describe('RedisTaskStore', () => {
  it('lets exactly one of two instances settle a task, and never changes it after', async () => {
    await one.store.create(record('race'));
    const [a, b] = await Promise.all([
      one.store.settle('race', 'completed', undefined, { type: 'result', result: { content: [] } }),
      two.store.settle('race', 'cancelled', 'by b', { type: 'error', error: { code: -32603, message: 'cancelled' } }),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const winner = (await two.store.get('race'))!.status;
    expect(await one.store.update('race', 'working', 'late')).toBeUndefined();
    expect(await two.store.settle('race', 'failed', 'late', { type: 'error', error: { code: 1, message: 'x' } })).toBeUndefined();
    expect((await one.store.get('race'))!.status).toBe(winner);
  });

  it('refuses writes of a runner that no longer runs the task', async () => {
    await one.store.create(record('fenced', { runner: 'instance-a' }));
    expect(await one.store.update('fenced', 'input_required', undefined, 'instance-b')).toBeUndefined();
    expect((await one.store.update('fenced', 'input_required', 'asking', 'instance-a'))?.statusMessage).toBe('asking');
    // A client cancel carries no runner and is always allowed.
    expect((await two.store.settle('fenced', 'cancelled', 'stop', { type: 'error', error: { code: -32603, message: 'c' } }))?.status).toBe(
      'cancelled',
    );
  });

  it('answers a status change with the record as Redis now holds it (message set, replaced, cleared)', async () => {
    // A message from the start: in the hash before `runner`, so clearing it takes a field from the middle.
    const created = record('shape', { statusMessage: 'queued', runner: 'instance-a' });
    await one.store.create(created);
    // What another instance reads from Redis itself (it settled nothing, so nothing is cached there).
    const stored = async (): Promise<TaskRecord | undefined> => two.store.get('shape');
    const cleared = await one.store.update('shape', 'working', undefined, 'instance-a');
    expect(cleared).toEqual({ ...created, statusMessage: undefined, lastUpdatedAt: cleared!.lastUpdatedAt });
    expect(cleared).not.toHaveProperty('statusMessage');
    expect(await stored()).toEqual(cleared);
    const asking = await one.store.update('shape', 'input_required', 'asking', 'instance-a');
    expect(asking).toEqual({ ...created, status: 'input_required', statusMessage: 'asking', lastUpdatedAt: asking!.lastUpdatedAt });
    expect(asking!.lastUpdatedAt >= created.lastUpdatedAt).toBe(true);
    expect(await stored()).toEqual(asking);
    const working = await one.store.update('shape', 'working', undefined, 'instance-a');
    expect(working).not.toHaveProperty('statusMessage');
    expect(await stored()).toEqual(working);
    const progress = await one.store.update('shape', 'working', 'half way', 'instance-a');
    expect(progress?.statusMessage).toBe('half way');
    const outcome = { type: 'result' as const, result: { content: [] } };
    const settled = await one.store.settle('shape', 'completed', undefined, outcome, 'instance-a');
    expect(settled).toMatchObject({ status: 'completed', runner: 'instance-a' });
    expect(settled).not.toHaveProperty('statusMessage');
    expect(await stored()).toEqual(settled);
    expect(await two.store.getOutcome('shape')).toEqual(outcome);
  });

  it("keeps an owner's index and sequence as long as the owner's longest-lived task", async () => {
    const raw = new Redis(inject('redisUrl'));
    const ttls = () => Promise.all([raw.pttl(`${prefix}{o:o}:tasks`), raw.pttl(`${prefix}{o:o}:seq`)]);
    try {
      await one.store.create(record('long', { ttl: 60_000 }));
      for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(55_000);
      // A shorter-lived task leaves the expiry where it was…
      await one.store.create(record('short', { ttl: 1_000 }));
      for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(55_000);
      // …and a longer-lived one moves it later.
      await one.store.create(record('longer', { ttl: 120_000 }));
      for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(115_000);
    } finally {
      raw.disconnect();
    }
  });

  it('lets Redis expire the record and its outcome at the end of the ttl', async () => {
    await one.store.create(record('short', { ttl: 300 }));
    await one.store.settle('short', 'completed', undefined, { type: 'result', result: { content: [] } });
    const raw = new Redis(inject('redisUrl'));
    const [taskTtl, outcomeTtl] = await Promise.all([raw.pttl(`${prefix}{short}:task`), raw.pttl(`${prefix}{short}:outcome`)]);
    raw.disconnect();
    expect(taskTtl).toBeGreaterThan(0);
    expect(taskTtl).toBeLessThanOrEqual(300);
    expect(outcomeTtl).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await two.store.get('short')).toBeUndefined();
    expect(await two.store.getOutcome('short')).toBeUndefined();
  });

  it('pages a list past expired tasks without losing live ones', async () => {
    for (let i = 0; i < 7; i++) await one.store.create(record(`l${i}`, { owner: 'lister', ttl: i % 2 === 0 ? 200 : 60_000 }));
    await new Promise((r) => setTimeout(r, 300));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await two.store.list('lister', cursor, 2);
      seen.push(...page.tasks.map((t) => t.taskId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['l1', 'l3', 'l5']);
  });

  it('wakes a waiter on another instance when a task settles', async () => {
    await one.store.create(record('wake'));
    const controller = new AbortController();
    let woke = false;
    const waiting = two.store.waitForTerminal('wake', controller.signal).then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(woke).toBe(false);
    await one.store.settle('wake', 'completed', undefined, { type: 'result', result: { content: [] } });
    await waiting;
    expect(woke).toBe(true);
  });
});
