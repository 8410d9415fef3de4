import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { inspectCluster, keySlot, keysOnCluster, slotOwners } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';
import { info, startRedisCluster, waitForClusterOk } from '../../support/redisCluster.js';
import type { ClusterNode, RedisCluster } from '../../support/redisCluster.js';
import { rpcError } from '../../support/session.js';

// A master killed with kill -9 (no replica): what touches its slots fails cleanly, the rest goes
// on, and what it had acknowledged is there again once it is back. Its own cluster: the shared
// one serves the other files meanwhile.
const prefix = `kill${randomBytes(4).toString('hex')}:`;
let cluster: RedisCluster;
let backend: RedisTaskBackend;
let tasks: TaskSupport;
let session: Session;
let look: Cluster;
const jobs = new Jobs();
/** What the server logged: the causes behind each -32603, shown when an expectation fails. */
const logged: string[] = [];
const serverLog = (...parts: unknown[]): void => {
  logged.push(
    parts.map((p) => (p instanceof Error ? `${p.message}${p.cause instanceof Error ? ` (${p.cause.message})` : ''}` : String(p))).join(' '),
  );
};

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  cluster = await startRedisCluster();
  backend = await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix });
  tasks = testTaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    logger: { warn: serverLog, error: serverLog },
  });
  session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  look = inspectCluster(cluster.seeds);
}, 60_000);

afterAll(async () => {
  await session?.close();
  await tasks?.close();
  await backend?.close();
  look?.disconnect();
  await cluster?.dispose();
});

/** No host, port, key prefix or driver text in what a client sees. */
function expectNothingInternal(message: string): void {
  for (const node of cluster.nodes) expect(message).not.toContain(String(node.port));
  expect(message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|ioredis|Stream|Connection|{|kill[0-9a-f]{8}/);
}

describe('a Redis Cluster master killed with kill -9', () => {
  it('fails requests on its slots with -32603 "Task store unavailable", serves the rest, and has its tasks back when it returns', async () => {
    const owner = await slotOwners(look);
    const portOf = async (taskId: string): Promise<number> => owner(await keySlot(look, `${prefix}{${taskId}}:task`));
    // The victim holds neither the lease index nor the owner's index, so only its tasks are hit.
    const created: { taskId: string; key: string; port: number }[] = [];
    const first = await createTask(session.client, 'job', { key: 'k0' });
    created.push({ taskId: first.taskId, key: 'k0', port: await portOf(first.taskId) });
    const shared = [...(await keysOnCluster(look, `${prefix}{o:*`)).values(), ...(await keysOnCluster(look, `${prefix}{leases}`)).values()];
    const spared = new Set(shared.map((place) => place.port));
    const victim: ClusterNode = cluster.nodes.find((n) => !spared.has(n.port))!;
    for (let i = 1; created.filter((c) => c.port === victim.port).length < 2 || created.length < 8; i++) {
      const task = await createTask(session.client, 'job', { key: `k${i}` });
      created.push({ taskId: task.taskId, key: `k${i}`, port: await portOf(task.taskId) });
    }
    const [down, downToo] = created.filter((c) => c.port === victim.port);
    const up = created.filter((c) => c.port !== victim.port);

    await victim.kill();
    // Back up even when an expectation fails, or the next test would find a master missing.
    try {
      const started = Date.now();
      const refused = await rpcError(session.client.experimental.tasks.getTask(down!.taskId));
      expect(refused.code).toBe(ErrorCode.InternalError);
      expect(refused.message).toBe('MCP error -32603: Task store unavailable: get failed (details in the server log)');
      expectNothingInternal(refused.message);
      expect(Date.now() - started).toBeLessThan(5000);

      // Its work finishing while its slot is gone: no crash, no unhandled rejection (setup file).
      (await jobs.get(down!.key)).finish();

      // Tasks on the other masters carry on, through to their result.
      for (const task of up) expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
      (await jobs.get(up[0]!.key)).finish();
      expect((await taskResult(session.client, up[0]!.taskId)).content).toEqual([{ type: 'text', text: `done ${up[0]!.key}` }]);
      // New tasks: each lands on a live master and works, or on the dead one and fails cleanly. Side
      // by side: each that lands on the dead one waits out the store timeout.
      let madeAfter = 0;
      const madeAll = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          createTask(session.client, 'quick', { text: `after ${i}` }).then(
            (task) => task,
            (error: unknown) => error as Error,
          ),
        ),
      );
      for (const made of madeAll) {
        if (made instanceof Error) {
          expect((made as { code?: number }).code).toBe(ErrorCode.InternalError);
          expectNothingInternal(made.message);
        } else madeAfter++;
      }
      expect(madeAfter, `every create after the kill failed; the server logged:\n${logged.slice(-12).join('\n')}`).toBeGreaterThan(0);
    } finally {
      await victim.start();
      await waitForClusterOk(victim.port);
    }
    // What the node acknowledged before the kill is back (append-only file, fsync always).
    await eventually(async () => {
      const task = await session.client.experimental.tasks.getTask(downToo!.taskId).catch(() => undefined);
      return task?.status === 'working';
    }, 15_000);
    (await jobs.get(downToo!.key)).finish();
    expect((await taskResult(session.client, downToo!.taskId)).content).toEqual([{ type: 'text', text: `done ${downToo!.key}` }]);
    // The task whose result came while its slot was gone settles once the slot is back.
    await eventually(async () => (await session.client.experimental.tasks.getTask(down!.taskId)).status === 'completed', 15_000);
  }, 90_000);

  it('wakes a waiting tasks/result when the node holding the subscription dies', async () => {
    // The one subscriber connection ioredis opened for the backend's events, found by its name.
    let subscriberNode: ClusterNode | undefined;
    for (const node of cluster.nodes) {
      if ((await info(node.port, 'CLIENT', 'LIST')).includes('name=ioredis-cluster(subscriber)')) subscriberNode = node;
    }
    expect(subscriberNode).toBeDefined();
    const owner = await slotOwners(look);
    let task: { taskId: string; key: string } | undefined;
    for (let i = 0; !task; i++) {
      const made = await createTask(session.client, 'job', { key: `w${i}` });
      if (owner(await keySlot(look, `${prefix}{${made.taskId}}:task`)) !== subscriberNode!.port)
        task = { taskId: made.taskId, key: `w${i}` };
      else (await jobs.get(`w${i}`)).finish();
    }
    const result = taskResult(session.client, task.taskId);
    await new Promise((r) => setTimeout(r, 100));
    await subscriberNode!.kill();
    try {
      (await jobs.get(task.key)).finish();
      const started = Date.now();
      expect((await result).content).toEqual([{ type: 'text', text: `done ${task.key}` }]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await subscriberNode!.start();
      await waitForClusterOk(subscriberNode!.port);
    }
  }, 60_000);
});
