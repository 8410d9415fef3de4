/**
 * Issue 14, Redis CPU per lifecycle: the command connection `createRedisTaskBackend` opens to one
 * Redis joins the commands sent in one turn of the event loop while it has commands in flight into
 * one socket write (src/redis/batchWrites.ts), where every command was a write of its own: with 16
 * lifecycles in flight the writes were a large part of this process's CPU per lifecycle
 * (docs/redis.md, "Numbers"). An idle connection still writes a command at once.
 * Opt-in (`batchWrites: true`); by default, or with `batchWrites: false`, each command is a write of its own.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import { RedisKeys } from '../../src/redis/keys.js';
import type { TaskRecord } from '../../src/index.js';

const opened: RedisTaskBackend[] = [];

afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

async function backend(options: Partial<RedisTaskBackendOptions> = {}): Promise<RedisTaskBackend> {
  const made = await createRedisTaskBackend({
    url: inject('redisUrl'),
    prefix: `bw${randomBytes(4).toString('hex')}:`,
    ...options,
  });
  opened.push(made);
  return made;
}

type Flush = (this: Socket, ...args: unknown[]) => unknown;

/**
 * Counts the writes that reach the sockets to the test's redis-server: Node's `_write` (one chunk)
 * and `_writev` (the chunks buffered by a cork), each one system call, on every connection.
 */
function countFlushes(): { count(): number; restore(): void } {
  const port = Number(new URL(inject('redisUrl')).port);
  const proto = Socket.prototype as unknown as { _write: Flush; _writev: Flush };
  const { _write: write, _writev: writev } = proto;
  let flushes = 0;
  const counted = (original: Flush): Flush =>
    function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) flushes++;
      return original.apply(this, args);
    };
  proto._write = counted(write);
  proto._writev = counted(writev);
  return {
    count: () => flushes,
    restore: () => {
      proto._write = write;
      proto._writev = writev;
    },
  };
}

async function flushesDuring<T>(run: () => Promise<T>): Promise<{ flushes: number; result: T }> {
  const counter = countFlushes();
  try {
    const result = await run();
    return { flushes: counter.count(), result };
  } finally {
    counter.restore();
  }
}

function record(i: number): TaskRecord {
  const now = new Date().toISOString();
  return {
    taskId: `task-${i}-${randomBytes(4).toString('hex')}`,
    owner: 'o',
    status: 'working',
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    pollInterval: 500,
  };
}

const N = 16;

describe('the command connection of a backend on one Redis', () => {
  it('writes the first command of a turn at once and the rest of the turn in one write, each answered on its own', async () => {
    const { store } = await backend({ batchWrites: true });
    const records = Array.from({ length: N }, (_, i) => record(i));
    const created = await flushesDuring(() => Promise.all(records.map((r) => store.create(r))));
    expect(created.flushes).toBe(2);
    const read = await flushesDuring(() => Promise.all(records.map((r) => store.get(r.taskId))));
    expect(read.flushes).toBe(2);
    expect(read.result.map((r) => r?.taskId)).toEqual(records.map((r) => r.taskId));
    expect(read.result.map((r) => r?.status)).toEqual(records.map(() => 'working'));
  });

  it('writes a command on an idle connection at once, not at the end of the turn', async () => {
    const { store } = await backend({ batchWrites: true });
    const counter = countFlushes();
    try {
      const reading = store.get('missing');
      // Still in the turn that sent it: a batched write would not have reached the socket yet.
      expect(counter.count()).toBe(1);
      await reading;
    } finally {
      counter.restore();
    }
  });

  it('fails only the call whose command failed, in a write shared with others', async () => {
    const prefix = `bw${randomBytes(4).toString('hex')}:`;
    const { store } = await backend({ prefix, batchWrites: true });
    const good = record(0);
    await store.create(good);
    // A string where the store expects a task's hash: its HGETALL fails (WRONGTYPE) in the shared write.
    const other = new Redis(inject('redisUrl'));
    await other.set(new RedisKeys(prefix).task('broken'), 'not a hash');
    other.disconnect();
    const { flushes, result } = await flushesDuring(() =>
      Promise.allSettled([store.get('missing'), store.get(good.taskId), store.get('broken'), store.get('missing-too')]),
    );
    expect(flushes).toBe(2);
    expect(result[0]).toEqual({ status: 'fulfilled', value: undefined });
    expect(result[1]).toMatchObject({ status: 'fulfilled', value: { taskId: good.taskId, status: 'working' } });
    expect(result[2]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^Redis get failed: WRONGTYPE/) } });
    expect(result[3]).toEqual({ status: 'fulfilled', value: undefined });
    // The next turn goes out as usual.
    expect(await store.get(good.taskId)).toMatchObject({ taskId: good.taskId });
  });

  it('writes each command alone by default and with batchWrites: false', async () => {
    for (const options of [{}, { batchWrites: false }]) {
      const { store } = await backend(options);
      const { flushes } = await flushesDuring(() => Promise.all(Array.from({ length: N }, (_, i) => store.get(`missing-${i}`))));
      expect(flushes).toBe(N);
    }
  });

  it('settles every call whose command sat in a cork when the connection dropped, and works on after the reconnect', async () => {
    const { store } = await backend({ batchWrites: true });
    // The store's command connection (a private field: the cork lives on its socket).
    const client = (store as unknown as { redis: Redis }).redis;
    const calls = Array.from({ length: N }, (_, i) => store.get(`missing-${i}`));
    // The first went out at once, the other 15 wait in the cork until the end of this turn.
    expect(client.stream.writableCorked).toBe(1);
    client.stream.destroy();
    const settled = await Promise.allSettled(calls);
    expect(settled).toHaveLength(N);
    for (const outcome of settled) {
      if (outcome.status === 'rejected') expect(String(outcome.reason)).toMatch(/^Error: Redis get failed/);
      else expect(outcome.value).toBeUndefined();
    }
    await expect.poll(() => client.status, { timeout: 5_000 }).toBe('ready');
    expect(await store.get('missing-again')).toBeUndefined();
  });
});
