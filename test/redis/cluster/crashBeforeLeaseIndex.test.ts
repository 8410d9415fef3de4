/**
 * A runner that dies around its new task's lease index entry. Survivors find a dead runner's tasks
 * through the lease index only, which on a Redis Cluster is on a slot of its own, apart from the
 * task's hash that holds the lease. Before, the store wrote the hash (lease included) and the
 * cluster's claim wrote the index entry afterwards without waiting for it: an instance killed in
 * between left a task no sweep ever found, `working` or `input_required` until its ttl. That was
 * the crash-recovery test of demoInstances.test.ts failing in about 2 runs of 20: its demo instance
 * was killed about 30 ms after creating its task, and its ZADD to the index's master (a connection
 * still opening on that fresh process) never reached Redis.
 *
 * Here the doomed instance reaches the index's master through a proxy that, once armed, holds back
 * the first ZADD it sees (and all that connection sends after it); the instance is "killed" by
 * dropping every connection of its backend at once: it writes nothing any more, as after SIGKILL.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { isTerminal } from '../../../src/types.js';
import { inspectCluster, keySlot, slotOwners } from '../../support/clusterKeys.js';
import { createTask, eventually } from '../../support/harness.js';
import { jobsInstance } from '../../support/jobsInstance.js';
import type { Session } from '../../support/harness.js';
import { redisTrap } from '../../support/redisTrap.js';
import type { RedisTrap } from '../../support/redisTrap.js';

// Long enough that a new lease waits its whole bound for the index entry (leaseIndex.ts).
const LEASE_MS = 2000;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** The member a ZADD adds (the task id), from the RESP it was sent as: ZADD, key, score, member, each after its length line. */
function zaddMember(text: string): string {
  const lines = text.split('\r\n');
  return lines[lines.findIndex((line) => /^zadd$/i.test(line)) + 6]!;
}

/** A trap in front of `port`, closed after the test. */
async function trapAt(port: number): Promise<RedisTrap> {
  const trap = await redisTrap(port);
  cleanups.push(() => trap.close());
  return trap;
}

async function instance(backend: RedisTaskBackend): Promise<Session> {
  return (await jobsInstance(backend, (cleanup) => cleanups.push(cleanup))).session;
}

/** A survivor, and a doomed instance whose connection to the lease index's master is trapped. */
async function instances(): Promise<{ prefix: string; look: Cluster; trap: RedisTrap; survivor: Session; doomed: Session; kill(): void }> {
  const seeds = inject('redisClusterNodes');
  const prefix = `crashidx${randomBytes(4).toString('hex')}:`;
  const look = inspectCluster(seeds);
  cleanups.push(async () => look.disconnect());
  const leasesPort = (await slotOwners(look))(await keySlot(look, `${prefix}{leases}`));
  const trap = await trapAt(leasesPort);
  const lease = { prefix, leaseMs: LEASE_MS, sweepEveryMs: 100 };
  const survivor = await instance(await createRedisTaskBackend({ clusterNodes: seeds, instanceId: 'survivor', ...lease }));
  const doomedBackend = await createRedisTaskBackend({
    // Seeded elsewhere: its only way to the index's master is the trap.
    clusterNodes: seeds.filter((seed) => Number(seed.split(':')[1]) !== leasesPort),
    cluster: { natMap: { [`127.0.0.1:${leasesPort}`]: { host: '127.0.0.1', port: trap.port } } },
    instanceId: 'doomed',
    ...lease,
  });
  const doomed = await instance(doomedBackend);
  return { prefix, look, trap, survivor, doomed, kill: () => void doomedBackend.close() };
}

/** Alice's tasks the survivor lists as not ended. */
async function unfinished(survivor: Session): Promise<string[]> {
  const { tasks } = await survivor.client.experimental.tasks.listTasks();
  return tasks.filter((task) => !isTerminal(task.status)).map((task) => `${task.taskId} ${task.status}`);
}

it('stores a new task’s lease index entry before its lease: its runner killed once it runs, a survivor fails it within the lease bound', async () => {
  const { prefix, look, trap, survivor, doomed, kill } = await instances();
  // The ZADD held back (its connection's later commands behind it) until released below.
  const caught = trap.arm(/zadd/i, { hold: true });
  const creating = createTask(doomed.client, 'forever', { key: 'k' });
  const taskId = zaddMember(await caught);
  // Before: the hash, lease included, was stored already; had the instance died now, no sweep found it.
  expect(await look.exists(`${prefix}{${taskId}}:task`)).toBe(0);
  trap.release();
  expect((await creating).taskId).toBe(taskId);
  kill();
  const killedAt = Date.now();
  await eventually(async () => (await survivor.client.experimental.tasks.getTask(taskId)).status === 'failed', LEASE_MS + 2000);
  expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 2000);
});

it('a runner killed as its new task’s lease index entry leaves it leaves no task that no survivor ends', async () => {
  const { trap, survivor, doomed, kill } = await instances();
  // Killed the moment the ZADD reaches the proxy; what it held is never sent.
  void trap.arm(/zadd/i, { hold: true, onCaught: kill });
  // Before: created (the claim did not wait for the entry), and `working` until its ttl. Now the
  // crash cuts the create short: the hash was to be written after the entry.
  const made = await createTask(doomed.client, 'forever', { key: 'k' }).then(
    (task) => task.taskId,
    () => undefined,
  );
  await eventually(async () => (await unfinished(survivor)).length === 0, LEASE_MS + 2000).catch(() => {});
  expect(await unfinished(survivor)).toEqual([]);
  if (made !== undefined) expect((await survivor.client.experimental.tasks.getTask(made)).status).toBe('failed');
});
