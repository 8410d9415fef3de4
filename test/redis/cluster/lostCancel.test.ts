/**
 * A cancel stored by another instance whose pub/sub command never reached the runner (lost in a
 * resubscription), on a Redis Cluster: the runner's lease renewal finds the stored end and stops
 * the work within a few renewals. Before, it renewed the cancelled task's lease and its work ran on
 * until the ttl.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, inject, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { cancelledOutcome } from '../../../src/engine/outcomes.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskCluster } from '../../../src/redis/index.js';
import { connectInMemory, createTask, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';

const LEASE_MS = 600;
const RENEW_MS = LEASE_MS / 3;
const backends: RedisTaskBackend[] = [];
let tasks: TaskSupport | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.close();
  await tasks?.close();
  for (const backend of backends.splice(0)) await backend.close();
});

it('a cancel stored elsewhere whose command is lost: the runner stops the work within a few renewals', async () => {
  const prefix = `lostcancel${randomBytes(4).toString('hex')}:`;
  const clusterNodes = inject('redisClusterNodes');
  const a = await createRedisTaskBackend({ clusterNodes, prefix, instanceId: 'a', leaseMs: LEASE_MS, sweepEveryMs: 100 });
  const b = await createRedisTaskBackend({ clusterNodes, prefix, instanceId: 'b', leaseMs: LEASE_MS, sweepEveryMs: 100 });
  backends.push(a, b);
  const errors: unknown[][] = [];
  tasks = new TaskSupport({
    ...a,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  const jobs = new Jobs();
  session = await connectInMemory(tasks, (server) => jobs.register(tasks!, server));
  const task = await createTask(session.client, 'job', { key: 'k' }, 60_000);
  const job = await jobs.get('k');
  let aborted = false;
  void job.aborted.then(() => (aborted = true));

  // What tasks/cancel on B stores; its command to A is what gets lost.
  await b.store.settle(task.taskId, 'cancelled', 'Cancelled on b', cancelledOutcome(task.taskId, 'Cancelled on b'));
  await eventually(() => aborted, 4 * RENEW_MS);
  await eventually(() => tasks!.taskActor(task.taskId) === undefined, 1000);
  await eventually(() => (a.cluster as RedisTaskCluster).leaseCount === 0, 1000);
  const seen = await session.client.experimental.tasks.getTask(task.taskId);
  expect(seen.status).toBe('cancelled');
  expect(seen.statusMessage).toBe('Cancelled on b');
  expect(errors).toEqual([]);
});
