/**
 * On a Redis Cluster the lease index (`{leases}`) has a slot of its own, so `claim` writes its entry
 * after the store created the task with its lease. When that ZADD rejected, the tools/call failed
 * while the task stayed `working` in the store, its lease renewed by this instance with no actor
 * behind it, until its ttl. Now the claim holds and the next renewal writes the index entry. The
 * ZADD fails here because the index key holds a string (WRONGTYPE) until the test deletes it.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskCluster } from '../../../src/redis/index.js';
import { inspectCluster } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, eventually, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';

const LEASE_MS = 600;
let backend: RedisTaskBackend | undefined;
let tasks: TaskSupport | undefined;
let session: Session | undefined;
let look: Cluster | undefined;

afterEach(async () => {
  await session?.close();
  await tasks?.close();
  await backend?.close();
  look?.disconnect();
});

it('a lease index write that fails on its own slot does not fail the task; the next renewal indexes it', async () => {
  const prefix = `claimidx${randomBytes(4).toString('hex')}:`;
  const clusterNodes = inject('redisClusterNodes');
  look = inspectCluster(clusterNodes);
  backend = await createRedisTaskBackend({ clusterNodes, prefix, instanceId: 'a', leaseMs: LEASE_MS, sweepEveryMs: 100 });
  const errors: unknown[][] = [];
  tasks = new TaskSupport({
    ...backend,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  const jobs = new Jobs();
  session = await connectInMemory(tasks, (server) => jobs.register(tasks!, server));
  const index = `${prefix}{leases}`;
  await look.set(index, 'not a sorted set');

  const task = await createTask(session.client, 'job', { key: 'k' }, 60_000);
  const job = await jobs.get('k');
  const cluster = backend.cluster as RedisTaskCluster;
  expect(tasks.taskActor(task.taskId)).toBeDefined();
  expect(cluster.leaseCount).toBe(1);

  await look.del(index);
  await eventually(async () => (await look!.zscore(index, task.taskId)) !== null, LEASE_MS);

  job.finish();
  expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done k' }]);
  await eventually(() => cluster.leaseCount === 0, 1000);
  await eventually(async () => (await look!.zscore(index, task.taskId)) === null, 1000);
  expect(errors).toEqual([]);
});
