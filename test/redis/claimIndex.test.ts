/**
 * A claim whose lease index write fails. On a Redis Cluster the index (`{leases}`) is on a slot of its
 * own, so `claim` writes it after the store created the task: when that ZADD rejected, the claim
 * failed, the engine answered the tools/call with an error, and the task stayed `working` in the
 * store with its lease renewed by this instance and no actor behind it, until its ttl. Now the
 * claim holds (the hash has the lease, which fences and routes) and the next renewal writes the
 * index entry. Run here on one redis-server with the cluster's code paths (a lease handoff that
 * does not share a script with the index, and no handoff at all); the ZADD fails because the index
 * key holds a string (WRONGTYPE) until the test deletes it.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TaskSupport } from '../../src/index.js';
import { LeaseHandoff } from '../../src/redis/leaseHandoff.js';
import { RedisEvents } from '../../src/redis/RedisEvents.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { RedisTaskCluster, RedisTaskMessageQueue, RedisTaskStore } from '../../src/redis/index.js';
import { connectInMemory, createTask, eventually, sleep, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

const LEASE_MS = 600;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

function client(): Redis {
  const made = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
  made.on('error', () => {});
  return made;
}

/** A backend assembled as a cluster's (the index written apart from the task), on one Redis. */
async function clusterLikeInstance(prefix: string, handoff: boolean) {
  const commands = client();
  const subscriber = client();
  await Promise.all([commands.connect(), subscriber.connect()]);
  const keys = new RedisKeys(prefix);
  const events = new RedisEvents(subscriber, keys);
  await events.start();
  const leases = handoff ? new LeaseHandoff('a', LEASE_MS, false) : undefined;
  const store = new RedisTaskStore(commands, keys, events, undefined, leases);
  const queue = new RedisTaskMessageQueue(commands, keys, events, 86_400_000);
  const cluster = new RedisTaskCluster(commands, keys, events, { leaseMs: LEASE_MS, sweepEveryMs: 100 }, 'a', undefined, leases);
  const errors: unknown[][] = [];
  const tasks = new TaskSupport({
    store,
    queue,
    cluster,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  const jobs = new Jobs();
  const session: Session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  cleanup.push(async () => {
    await session.close();
    await tasks.close();
    events.stop();
    commands.disconnect();
    subscriber.disconnect();
  });
  return { tasks, cluster, jobs, session, errors, commands };
}

it.each([
  ['the store wrote the lease (lease handoff)', true],
  ['the claim writes the lease (no handoff)', false],
])('a lease index write that fails does not fail the task: %s; the next renewal indexes it', async (_name, handoff) => {
  const prefix = `claim${handoff ? 'h' : 'n'}:`;
  const a = await clusterLikeInstance(prefix, handoff);
  const index = `${prefix}{leases}`;
  // Every ZADD on the index fails (WRONGTYPE) until this key is deleted.
  await a.commands.set(index, 'not a sorted set');

  const task = await createTask(a.session.client, 'job', { key: 'k' }, 60_000);
  const job = await a.jobs.get('k');
  expect(a.tasks.taskActor(task.taskId)).toBeDefined();
  expect(a.cluster.leaseCount).toBe(1);
  expect((await a.commands.hget(`${prefix}{${task.taskId}}:task`, 'runner')) ?? '').toBe('a');

  await a.commands.del(index);
  // Written again by a renewal (every LEASE_MS / 3): a sweep can find the task if this instance dies.
  await eventually(async () => (await a.commands.zscore(index, task.taskId)) !== null, LEASE_MS);

  job.finish();
  expect((await taskResult(a.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done k' }]);
  await eventually(() => a.cluster.leaseCount === 0, 1000);
  await eventually(async () => (await a.commands.zscore(index, task.taskId)) === null, 1000);
  await sleep(LEASE_MS / 3);
  expect(a.cluster.leaseCount).toBe(0);
  expect(a.errors).toEqual([]);
});
