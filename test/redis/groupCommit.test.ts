/**
 * Issue 14, CPU per Redis lifecycle: on one Redis, the creates and settles asked for in one turn
 * of the event loop while other steps are in flight go as one script call
 * (src/redis/groupCommit.ts), where each was a script call of its own (an ioredis `Command`, a
 * socket write and a reply each). A call with at most one other in flight still goes at once. Each task keeps
 * its own answer: a refusal or an error inside a group is that task's alone.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { TaskOutcome, TaskRecord } from '../../src/index.js';
import { parseCommandStats, scriptCalls } from '../../bench/redisStats.js';
import { ownRedis } from '../support/ownRedis.js';

// A redis-server of its own: its command counts are this file's alone.
const own = ownRedis();

const opened: RedisTaskBackend[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

async function backend(prefix: string): Promise<RedisTaskBackend> {
  const made = await createRedisTaskBackend({ url: own.url, prefix });
  opened.push(made);
  return made;
}

function record(i: number, owner = 'o'): TaskRecord {
  const now = new Date().toISOString();
  return {
    taskId: `task-${i}-${randomBytes(4).toString('hex')}`,
    owner,
    status: 'working',
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    pollInterval: 500,
  };
}

const outcome = (i: number): TaskOutcome => ({ type: 'result', result: { content: [{ type: 'text', text: `done ${i}` }] } });

/** Script calls Redis ran during `run` (EVALSHA and EVAL, from `INFO commandstats`). */
async function scriptCallsDuring<T>(run: () => Promise<T>): Promise<{ calls: number; result: T }> {
  await own.admin.config('RESETSTAT');
  const result = await run();
  return { calls: scriptCalls(parseCommandStats(await own.admin.info('commandstats'))), result };
}

const N = 16;

describe('group commit on one Redis', () => {
  it('sends the creates, then the settles, of one turn as three script calls each: the first two at once, the rest together', async () => {
    const { store } = await backend(`gc${randomBytes(4).toString('hex')}:`);
    // The scripts loaded on this connection (each one's first call is an EVAL with its text).
    const warm = record(99);
    await store.create(warm);
    await store.settle(warm.taskId, 'completed', undefined, outcome(99));
    await Promise.all([store.create(record(98)), store.create(record(97))]);

    const records = Array.from({ length: N }, (_, i) => record(i));
    const created = await scriptCallsDuring(() => Promise.all(records.map((r) => store.create(r))));
    expect(created.calls).toBe(3);
    const settled = await scriptCallsDuring(() =>
      Promise.all(records.map((r, i) => store.settle(r.taskId, 'completed', `m${i}`, outcome(i)))),
    );
    expect(settled.calls).toBe(3);
    expect(settled.result.map((r) => [r?.taskId, r?.status, r?.statusMessage])).toEqual(
      records.map((r, i) => [r.taskId, 'completed', `m${i}`]),
    );
    // What another instance reads from Redis: every record, index entry and outcome written.
    const { store: other } = await backend((store as unknown as { keys: RedisKeys }).keys.prefix);
    for (const [i, r] of records.entries()) {
      expect(await other.get(r.taskId)).toMatchObject({ taskId: r.taskId, status: 'completed', statusMessage: `m${i}` });
      expect(await other.getOutcome(r.taskId)).toEqual(outcome(i));
    }
    const listed = await other.list('o', undefined, 100);
    expect(listed.tasks.map((t) => t.taskId)).toEqual(expect.arrayContaining(records.map((r) => r.taskId)));
  });

  it("does not have ioredis copy a group's arguments element by element (Array.prototype.flat)", async () => {
    const { store } = await backend(`gc${randomBytes(4).toString('hex')}:`);
    await Promise.all([store.create(record(-1)), store.create(record(-2)), store.create(record(-3))]);
    const records = Array.from({ length: N }, (_, i) => record(i));
    // ioredis's Command runs `args.flat()` on what it is given: about 170 ns an element on Node 20,
    // and a group of 16 creates carries over 200 (src/redis/leanScript.ts). 484 before this change.
    const flat = vi.spyOn(Array.prototype, 'flat');
    await Promise.all(records.map((r) => store.create(r)));
    await Promise.all(records.map((r, i) => store.settle(r.taskId, 'completed', undefined, outcome(i))));
    const flattened = (flat.mock.contexts as unknown[][]).reduce((sum, array) => sum + array.length, 0);
    flat.mockRestore();
    expect(flattened).toBeLessThan(N);
  });

  it('keeps a client keyPrefix (RedisTaskBackendOptions.redis) on every key, alone and in a group', async () => {
    const prefix = `gc${randomBytes(4).toString('hex')}:`;
    const made = await createRedisTaskBackend({ url: own.url, prefix, redis: { keyPrefix: 'kp:' } });
    opened.push(made);
    const records = Array.from({ length: N }, (_, i) => record(i));
    await Promise.all(records.map((r) => made.store.create(r)));
    await Promise.all(records.map((r, i) => made.store.settle(r.taskId, 'completed', undefined, outcome(i))));
    const keys = new RedisKeys(prefix);
    for (const [i, r] of records.entries()) {
      expect(await own.admin.hget(`kp:${keys.task(r.taskId)}`, 'status')).toBe('completed');
      expect(await own.admin.exists(keys.task(r.taskId), keys.outcome(r.taskId))).toBe(0);
      // Another instance with the same options reads what this one wrote.
      const other = await createRedisTaskBackend({ url: own.url, prefix, redis: { keyPrefix: 'kp:' } });
      opened.push(other);
      expect(await other.store.getOutcome(r.taskId)).toEqual(outcome(i));
      if (i > 1) break;
    }
    expect((await made.store.list('o', undefined, 100)).tasks).toHaveLength(N);
  });

  it('sends a long turn in groups of at most 128 steps', async () => {
    const { store } = await backend(`gc${randomBytes(4).toString('hex')}:`);
    await Promise.all([store.create(record(-1)), store.create(record(-2)), store.create(record(-3))]);
    const records = Array.from({ length: 300 }, (_, i) => record(i));
    // Two at once, then 298 waiting: 128 + 128 + 42.
    const { calls } = await scriptCallsDuring(() => Promise.all(records.map((r) => store.create(r))));
    expect(calls).toBe(5);
    const read = await Promise.all(records.map((r) => store.get(r.taskId)));
    expect(read.map((r) => r?.taskId)).toEqual(records.map((r) => r.taskId));
  });

  it("keeps each task's refusal and error its own inside a group", async () => {
    const prefix = `gc${randomBytes(4).toString('hex')}:`;
    const keys = new RedisKeys(prefix);
    const { store } = await backend(prefix);
    const records = Array.from({ length: N }, (_, i) => record(i));
    await Promise.all(records.map((r) => store.create(r)));
    // Task 3 already ended (its settle is refused); task 5's hash is a string (its script fails, WRONGTYPE).
    await store.settle(records[3]!.taskId, 'cancelled', 'by someone', outcome(3));
    await own.admin.set(keys.task(records[5]!.taskId), 'not a hash');
    // An owner index that is a string: that create fails inside the group, the others land.
    await own.admin.set(keys.owner('broken'), 'not a sorted set');
    const fresh = Array.from({ length: 6 }, (_, i) => record(100 + i, i === 2 ? 'broken' : 'o'));
    // Created by another instance: its settle here reads and answers the whole hash.
    const { store: other } = await backend(prefix);
    const elsewhere = { ...record(200), statusMessage: 'started elsewhere' };
    await other.create(elsewhere);

    const { calls, result } = await scriptCallsDuring(() =>
      Promise.allSettled([
        ...records.map((r, i) => store.settle(r.taskId, 'completed', undefined, outcome(i))),
        ...fresh.map((r) => store.create(r)),
        store.settle(elsewhere.taskId, 'failed', undefined, outcome(200)),
      ]),
    );
    // The first two settles at once, the other 21 steps in one call.
    expect(calls).toBe(3);
    const { statusMessage: _dropped, ...ended } = elsewhere;
    expect(result[N + fresh.length]).toEqual({
      status: 'fulfilled',
      value: { ...ended, status: 'failed', lastUpdatedAt: expect.any(String) },
    });
    for (const [i, settled] of result.slice(0, N).entries()) {
      if (i === 3) expect(settled).toEqual({ status: 'fulfilled', value: undefined });
      else if (i === 5)
        expect(settled).toMatchObject({
          status: 'rejected',
          reason: { message: expect.stringMatching(/^Redis settle failed: .*WRONGTYPE/) },
        });
      else expect(settled).toMatchObject({ status: 'fulfilled', value: { taskId: records[i]!.taskId, status: 'completed' } });
    }
    for (const [i, created] of result.slice(N, N + fresh.length).entries()) {
      if (i === 2)
        expect(created).toMatchObject({
          status: 'rejected',
          reason: { message: expect.stringMatching(/^Redis create failed: .*WRONGTYPE/) },
        });
      else expect(created).toEqual({ status: 'fulfilled', value: undefined });
    }
    expect(await store.get(records[3]!.taskId)).toMatchObject({ status: 'cancelled', statusMessage: 'by someone' });
    expect(await store.get(fresh[4]!.taskId)).toMatchObject({ status: 'working' });
  });

  it('sends one or two calls at once, and a command sent after waiting steps goes after them', async () => {
    const { store } = await backend(`gc${randomBytes(4).toString('hex')}:`);
    const client = (store as unknown as { redis: Redis }).redis;
    const creating = store.create(record(0));
    // Sent before the call returned (in ioredis's queue of commands in flight), not at the end of the turn.
    expect(client.commandQueue.length).toBe(1);
    const second = store.create(record(1));
    expect(client.commandQueue.length).toBe(2);
    await Promise.all([creating, second]);
    const records = Array.from({ length: 4 }, (_, i) => record(i + 2));
    const creates = records.map((r) => store.create(r));
    // Two went at once; the last two wait for the end of the turn.
    expect(client.commandQueue.length).toBe(2);
    // A read sent now goes after them, so it finds the last one written.
    expect(await store.get(records[3]!.taskId)).toMatchObject({ taskId: records[3]!.taskId, status: 'working' });
    await Promise.all(creates);
  });

  it('settles every call of a group in flight when the connection drops, and works on after the reconnect', async () => {
    const { store } = await backend(`gc${randomBytes(4).toString('hex')}:`);
    const client = (store as unknown as { redis: Redis }).redis;
    const records = Array.from({ length: N }, (_, i) => record(i));
    await Promise.all(records.map((r) => store.create(r)));
    const settles = records.map((r, i) => store.settle(r.taskId, 'completed', undefined, outcome(i)));
    // After the end of this turn: the group is written and in flight.
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.commandQueue.length).toBeGreaterThan(0);
    client.stream.destroy();
    const settled = await Promise.allSettled(settles);
    for (const [i, one] of settled.entries()) {
      if (one.status === 'rejected') expect(String(one.reason)).toMatch(/^Error: Redis settle failed/);
      // Resent after the reconnect (ioredis resends what was unanswered), a settle that had run is
      // refused the second time: no record, as for a single settle resent.
      else if (one.value !== undefined) expect(one.value).toMatchObject({ taskId: records[i]!.taskId, status: 'completed' });
    }
    await expect.poll(() => client.status, { timeout: 5_000 }).toBe('ready');
    // Every settle that did not fail is stored.
    for (const [i, one] of settled.entries())
      if (one.status === 'fulfilled') expect(await store.get(records[i]!.taskId)).toMatchObject({ status: 'completed' });
    const again = record(50);
    await store.create(again);
    expect(await store.settle(again.taskId, 'completed', undefined, outcome(50))).toMatchObject({ status: 'completed' });
  });
});
