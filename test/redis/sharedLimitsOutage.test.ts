/**
 * Shared live-task limits across a Redis outage longer than the lease, on a Redis server of this
 * file's own (stopped and started again). Every slot's deadline passes while Redis is away, those
 * of tasks still running too: an admission right after the return must not give those back (their
 * renewal cannot put a returned slot back), and still gives back a dead instance's a lease later.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import type { TaskRecord } from '../../src/index.js';
import { sleep } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

const LEASE_MS = 600;

let redis: RedisServer;
const opened: RedisTaskBackend[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterEach(async () => {
  while (opened.length > 0) {
    const backend = opened.pop()!;
    await backend.cluster.close();
    await backend.close();
  }
});
afterAll(async () => {
  await redis?.dispose();
});

async function open(prefix: string): Promise<RedisTaskBackend> {
  const options: RedisTaskBackendOptions = {
    url: redis.url,
    prefix,
    leaseMs: LEASE_MS,
    renewEveryMs: 100,
    // No takeover: a dead instance's slots must come back by admission alone.
    sweepEveryMs: 100_000,
    liveTaskLimits: { maxLiveTasksPerCaller: 1 },
  };
  const backend = await createRedisTaskBackend(options);
  opened.push(backend);
  return backend;
}

function record(owner: string): TaskRecord {
  const now = new Date().toISOString();
  const taskId = randomBytes(8).toString('hex');
  return { taskId, owner, status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100 };
}

/** What a create ends with: 'admitted', the limit that refused it, or 'unavailable' (Redis away). */
async function outcome(backend: RedisTaskBackend, owner: string): Promise<string> {
  return backend.store.create(record(owner)).then(
    () => 'admitted',
    (e: unknown) => (e instanceof McpError ? String((e.data as { limit?: unknown } | undefined)?.limit) : 'unavailable'),
  );
}

describe('shared live-task limits after Redis was away longer than the lease', () => {
  it('keeps the slot of a task still running, and returns a dead instance’s a lease after Redis is back', async () => {
    const prefix = `limout${randomBytes(4).toString('hex')}:`;
    const [live, dying, other] = await Promise.all([open(prefix), open(prefix), open(prefix)]);
    const handlers = { command: () => {}, lost: () => {}, orphaned: () => {} };
    await live.cluster.start(handlers);
    await dying.cluster.start(handlers);
    for (const [backend, owner] of [
      [live, 'alice'],
      [dying, 'bob'],
    ] as const) {
      const task = record(owner);
      await backend.store.create(task);
      await backend.cluster.claim(task.taskId);
    }
    expect(await outcome(other, 'alice')).toBe('maxLiveTasksPerCaller');

    // `dying` stops renewing (a process killed during the outage); `live` goes on once Redis is back.
    await dying.cluster.close();
    await redis.stop();
    await sleep(3 * LEASE_MS);
    await redis.start();
    let alice = 'unavailable';
    for (let i = 0; i < 60 && alice === 'unavailable'; i++) {
      alice = await outcome(other, 'alice');
      if (alice === 'unavailable') await sleep(50);
    }
    const back = Date.now();
    // Before the fix: every slot had lapsed, alice's task (still running on `live`) included.
    expect(alice).toBe('maxLiveTasksPerCaller');

    await sleep(LEASE_MS + 400);
    // `live` renewed alice's slot meanwhile; bob's runner never came back, so his slot did.
    expect(await outcome(other, 'alice')).toBe('maxLiveTasksPerCaller');
    expect(await outcome(other, 'bob')).toBe('admitted');
    expect(Date.now() - back).toBeGreaterThanOrEqual(LEASE_MS);
  }, 30_000);
});
