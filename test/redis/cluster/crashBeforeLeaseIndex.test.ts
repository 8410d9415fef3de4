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
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { isTerminal } from '../../../src/types.js';
import { inspectCluster, keySlot, slotOwners } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, deferred, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';
import { freePort } from '../../support/redisServer.js';

// Long enough that a new lease waits its whole bound for the index entry (leaseIndex.ts).
const LEASE_MS = 2000;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** A proxy to one master that holds back the first ZADD once armed (see the file's comment). */
interface ZaddTrap {
  port: number;
  /** Holds the next ZADD; resolves with the member it adds (the task id), as it reaches the proxy. */
  arm(onCaught?: () => void): Promise<string>;
  /** Sends on what was held, and forwards again. */
  release(): void;
}

async function zaddTrap(port: number): Promise<ZaddTrap> {
  let armed: { caught: (member: string) => void; onCaught?: () => void } | undefined;
  let held: { upstream: Socket; chunks: Buffer[] } | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (armed && /zadd/i.test(text)) {
        const { caught, onCaught } = armed;
        armed = undefined;
        held = { upstream, chunks: [] };
        // Called before anything else runs: the instance dies as its ZADD leaves it.
        onCaught?.();
        // RESP: ZADD, then the key, the score and the member, each after its length line.
        const lines = text.split('\r\n');
        caught(lines[lines.findIndex((line) => /^zadd$/i.test(line)) + 6]!);
      }
      if (held?.upstream === upstream) held.chunks.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => void client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => server.listen(proxyPort, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: proxyPort,
    arm: (onCaught) => {
      const member = deferred<string>();
      armed = { caught: member.resolve, ...(onCaught ? { onCaught } : {}) };
      return member.promise;
    },
    release: () => {
      const was = held;
      held = undefined;
      for (const chunk of was?.chunks ?? []) was!.upstream.write(chunk);
    },
  };
}

async function instance(backend: RedisTaskBackend): Promise<Session> {
  const quiet = (): void => {};
  const tasks = new TaskSupport({
    ...backend,
    storeTimeout: 1000,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: quiet, error: quiet },
  });
  const jobs = new Jobs();
  const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  cleanups.push(
    () => backend.close(),
    () => tasks.close(),
    () => session.close(),
  );
  return session;
}

/** A survivor, and a doomed instance whose connection to the lease index's master is trapped. */
async function instances(): Promise<{ prefix: string; look: Cluster; trap: ZaddTrap; survivor: Session; doomed: Session; kill(): void }> {
  const seeds = inject('redisClusterNodes');
  const prefix = `crashidx${randomBytes(4).toString('hex')}:`;
  const look = inspectCluster(seeds);
  cleanups.push(async () => look.disconnect());
  const leasesPort = (await slotOwners(look))(await keySlot(look, `${prefix}{leases}`));
  const trap = await zaddTrap(leasesPort);
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
  const caught = trap.arm();
  const creating = createTask(doomed.client, 'forever', { key: 'k' });
  const taskId = await caught;
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
  void trap.arm(kill);
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
