/**
 * Instances killed between two writes of one operation that, on a Redis Cluster, go to different
 * slots (masters) and so cannot be one script: the crash points crashBeforeLeaseIndex.test.ts does
 * not cover. Each test holds the chosen write back in a proxy to the master it goes to, and "kills"
 * the instance the moment the write reaches the proxy (every connection of its backend dropped at
 * once: it writes nothing more, as after SIGKILL); a survivor must still end the task within the
 * lease bound, keep what was stored, and get the shared-limit slot back. Guards: each case held
 * before this file was written; they pin the order of writes the recovery relies on.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend, SharedLiveTaskLimits } from '../../../src/redis/index.js';
import { inspectCluster, keySlot, keysOnCluster, slotOwners } from '../../support/clusterKeys.js';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { jobsInstance } from '../../support/jobsInstance.js';
import type { Session } from '../../support/harness.js';
import type { Jobs } from '../../support/jobs.js';
import { redisTrap } from '../../support/redisTrap.js';
import type { RedisTrap } from '../../support/redisTrap.js';
import { rpcError } from '../../support/session.js';

const LEASE_MS = 2000;
/** A survivor ends a dead runner's task within this (the lease, the reconnect grace, sweeps, margin). */
const BOUND_MS = 2 * LEASE_MS + 2000;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

interface Instance {
  session: Session;
  backend: RedisTaskBackend;
  jobs: Jobs;
}

/** Everything one test's instances share: its key prefix, a look at the cluster, and how to start one. */
async function deployment(liveTaskLimits?: SharedLiveTaskLimits): Promise<{
  prefix: string;
  look: Cluster;
  start(id: string, trappedKey?: string): Promise<Instance & { trap?: RedisTrap }>;
}> {
  const seeds = inject('redisClusterNodes');
  const prefix = `crashw${randomBytes(4).toString('hex')}:`;
  const look = inspectCluster(seeds);
  cleanups.push(async () => look.disconnect());
  const owners = await slotOwners(look);
  const start = async (id: string, trappedKey?: string): Promise<Instance & { trap?: RedisTrap }> => {
    const trappedPort = trappedKey === undefined ? undefined : owners(await keySlot(look, trappedKey));
    const caught = trappedPort === undefined ? undefined : await redisTrap(trappedPort);
    if (caught) cleanups.push(() => caught.close());
    const backend = await createRedisTaskBackend({
      // Seeded elsewhere: its only way to the trapped master is the trap.
      clusterNodes: seeds.filter((seed) => Number(seed.split(':')[1]) !== trappedPort),
      ...(caught ? { cluster: { natMap: { [`127.0.0.1:${trappedPort}`]: { host: '127.0.0.1', port: caught.port } } } } : {}),
      instanceId: id,
      prefix,
      leaseMs: LEASE_MS,
      sweepEveryMs: 100,
      ...(liveTaskLimits ? { liveTaskLimits } : {}),
    });
    const { session, jobs } = await jobsInstance(backend, (cleanup) => cleanups.push(cleanup));
    return { session, backend, jobs, ...(caught ? { trap: caught } : {}) };
  };
  return { prefix, look, start };
}

it('a runner killed after its new task’s hash, before the owner index: a survivor fails the task (found by its lease)', async () => {
  const { prefix, look, start } = await deployment();
  const survivor = await start('survivor');
  const doomed = await start('doomed', `${prefix}{o:alice}:tasks`);
  const killed = doomed.trap!.arm(/\{o:alice\}:tasks/, { onCaught: () => void doomed.backend.close() });
  void createTask(doomed.session.client, 'forever', { key: 'k' }).catch(() => {});
  await killed;
  const killedAt = Date.now();
  // Stored with its lease, but in no owner index: `tasks/list` does not show it, its lease leads to it.
  const hashes = [...(await keysOnCluster(look, `${prefix}{*}:task`)).keys()];
  expect(hashes).toHaveLength(1);
  const taskId = /\{(.+)\}:task$/.exec(hashes[0]!)![1]!;
  expect((await survivor.session.client.experimental.tasks.listTasks()).tasks).toEqual([]);
  await eventually(async () => (await survivor.backend.store.get(taskId))?.status === 'failed', BOUND_MS);
  expect(Date.now() - killedAt).toBeLessThan(BOUND_MS);
});

it('a runner killed after storing a result, before dropping its lease index entry: the result stays, the entry goes', async () => {
  const { prefix, look, start } = await deployment();
  const survivor = await start('survivor');
  const doomed = await start('doomed', `${prefix}{leases}`);
  const task = await createTask(doomed.session.client, 'job', { key: 'k' });
  const job = await doomed.jobs.get('k');
  const killed = doomed.trap!.arm(/zrem/i, { onCaught: () => void doomed.backend.close() });
  job.finish();
  await killed;
  expect(await look.zscore(`${prefix}{leases}`, task.taskId)).not.toBeNull();
  // The entry is due one lease on; the sweep's takeover finds the task ended and drops it.
  await eventually(async () => (await look.zscore(`${prefix}{leases}`, task.taskId)) === null, BOUND_MS);
  expect((await survivor.backend.store.get(task.taskId))?.status).toBe('completed');
  expect((await taskResult(survivor.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done k' }]);
});

it('a runner killed after storing a result, before giving its shared-limit slot back: the slot returns within a lease', async () => {
  const { prefix, start } = await deployment({ maxLiveTasksPerCaller: 1 });
  const survivor = await start('survivor');
  const doomed = await start('doomed', `${prefix}{limits}:live`);
  const task = await createTask(doomed.session.client, 'job', { key: 'k' });
  const job = await doomed.jobs.get('k');
  // The release is a script on the limit keys (the settle's, on the same master maybe, is not); the
  // renewals of the slot are ZADDs.
  const killed = doomed.trap!.arm(/eval[\s\S]*\{limits\}:live/i, { onCaught: () => void doomed.backend.close() });
  job.finish();
  await killed;
  const killedAt = Date.now();
  expect((await survivor.backend.store.get(task.taskId))?.status).toBe('completed');
  // Still held just now (its deadline is the dead runner's lease): alice is at her limit.
  expect((await rpcError(createTask(survivor.session.client, 'job', { key: 'refused' }))).code).toBe(-32029);
  await eventually(
    () =>
      createTask(survivor.session.client, 'job', { key: 'admitted' }).then(
        () => true,
        () => false,
      ),
    BOUND_MS,
  );
  expect(Date.now() - killedAt).toBeLessThan(BOUND_MS);
  expect((await taskResult(survivor.session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done k' }]);
});

it('a survivor killed after taking a task over, before indexing its new lease: another survivor ends the task', async () => {
  const { prefix, start } = await deployment();
  const first = await start('first');
  const task = await createTask(first.session.client, 'forever', { key: 'k' });
  await first.backend.close();
  const taker = await start('taker', `${prefix}{leases}`);
  // Its first ZADD to the index: the takeover's (it renews nothing before it owns a task).
  await taker.trap!.arm(/zadd/i, { onCaught: () => void taker.backend.close() });
  const killedAt = Date.now();
  const last = await start('last');
  // The hash names the dead taker until its lease runs out; the index entry still shows the old deadline.
  await eventually(async () => (await last.backend.store.get(task.taskId))?.status === 'failed', BOUND_MS);
  expect(Date.now() - killedAt).toBeLessThan(BOUND_MS);
});
