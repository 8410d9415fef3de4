/**
 * A task's slot caught mid-migration (CLUSTER SETSLOT IMPORTING/MIGRATING, its record moved, its
 * queue keys not yet there): the queue's enqueue script, whose keys exist on neither node, bounces
 * between ASK and TRYAGAIN until ioredis gives up. The task's store writes are retried meanwhile;
 * its work's enqueues were not. Before: the work's `elicit` (or `log`) rejected on the first failed
 * enqueue and the task failed -32603 "Task queue unavailable: enqueue failed". Now the engine tries
 * the enqueue again while the task lives (TaskPort enqueueAgain), under the same mark, so the
 * client is asked once the slot has moved, once only, and the task completes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { QueuedMessage } from '../../../src/backends/TaskMessageQueue.js';
import { answerWith } from '../../support/askingTools.js';
import { inspectCluster, keySlot, slotOwners } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { startRedisCluster } from '../../support/redisCluster.js';
import type { RedisCluster } from '../../support/redisCluster.js';

// Its own cluster: a slot left MIGRATING would fail the other files' keys on it.
/** What the queue's guard logs of each failed try: the script failed, or did not answer in time. */
const FAILED_ENQUEUE = /task queue call enqueue failed|Task queue unavailable: enqueue did not answer/;
let cluster: RedisCluster;
let look: Cluster;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  cluster = await startRedisCluster();
  look = inspectCluster(cluster.seeds);
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

afterAll(async () => {
  look?.disconnect();
  await cluster?.dispose();
});

/** A direct connection to one node (not following redirections). */
function node(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1' });
  cleanups.push(async () => redis.disconnect());
  return redis;
}

/**
 * Starts moving `slot` to another master as `redis-cli --cluster reshard` does, then moves only
 * `keys` (the task's record): the slot stays half migrated until `finish` moves the rest and
 * assigns it to its new master on every node.
 */
async function halfMigrate(slot: number, keys: string[]): Promise<{ finish(): Promise<void> }> {
  const owner = (await slotOwners(look))(slot);
  const to = cluster.nodes.find((n) => n.port !== owner)!;
  const source = node(owner);
  const target = node(to.port);
  const [sourceId, targetId] = [String(await source.cluster('MYID')), String(await target.cluster('MYID'))];
  await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId);
  await source.cluster('SETSLOT', slot, 'MIGRATING', targetId);
  await source.call('MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys);
  const finish = async (): Promise<void> => {
    for (;;) {
      const left = (await source.cluster('GETKEYSINSLOT', slot, 100)) as string[];
      if (left.length === 0) break;
      await source.call('MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...left);
    }
    for (const n of cluster.nodes) await node(n.port).cluster('SETSLOT', slot, 'NODE', targetId);
  };
  // A failed test leaves no slot half migrated for the next one.
  let finished = false;
  cleanups.push(async () => finished || (await finish()));
  return {
    finish: async () => {
      finished = true;
      await finish();
    },
  };
}

async function instance(
  prefix: string,
): Promise<{ tasks: TaskSupport; logged: string[]; backend: Awaited<ReturnType<typeof createRedisTaskBackend>> }> {
  const logged: string[] = [];
  const log = (...parts: unknown[]): void => void logged.push(parts.map((p) => (p instanceof Error ? p.message : String(p))).join(' '));
  const backend = await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix });
  const tasks = new TaskSupport({ ...backend, storeTimeout: 1000, pollInterval: 100, logger: { warn: log, error: log } });
  cleanups.push(
    () => backend.close(),
    () => tasks.close(),
  );
  return { tasks, logged, backend };
}

it('an elicitation asked while its slot is half migrated reaches the client once the slot has moved, once, and the task completes', async () => {
  const prefix = `migq${randomBytes(4).toString('hex')}:`;
  const { tasks, logged } = await instance(prefix);
  const gate = deferred();
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      await gate.promise;
      const answer = await task.elicit({ message: key, requestedSchema: { type: 'object', properties: { v: { type: 'string' } } } });
      return { content: [{ type: 'text', text: String(answer.content?.['v']) }] };
    }),
  );
  cleanups.push(() => session.close());
  let asked = 0;
  answerWith(session.client, { elicit: () => (asked++, { action: 'accept', content: { v: 'yes' } }) });
  const task = await createTask(session.client, 'ask', { key: 'k' }, 120_000);
  const slot = await keySlot(look, `${prefix}{${task.taskId}}:task`);
  const migration = await halfMigrate(slot, [`${prefix}{${task.taskId}}:task`]);

  const result = taskResult(session.client, task.taskId);
  result.catch(() => {});
  gate.resolve();
  // The enqueue fails while the slot is half migrated (the guard logs each failed try)…
  await eventually(() => logged.some((line) => FAILED_ENQUEUE.test(line)), 10_000);
  await sleep(1500);
  // …and the task goes on waiting: still working, the client not asked yet.
  expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
  expect(asked).toBe(0);

  await migration.finish();
  expect((await result).content).toEqual([{ type: 'text', text: 'yes' }]);
  expect(asked).toBe(1);
  expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
}, 60_000);

it('a log line sent while its slot is half migrated is delivered once the slot has moved, and the work goes on', async () => {
  const prefix = `migl${randomBytes(4).toString('hex')}:`;
  const { tasks, logged } = await instance(prefix);
  const gate = deferred();
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'logs', { taskSupport: 'required', inputSchema: {} }, async (_args, task) => {
      await gate.promise;
      await task.log('info', 'moving');
      return { content: [{ type: 'text', text: 'logged' }] };
    }),
  );
  cleanups.push(() => session.close());
  const task = await createTask(session.client, 'logs', {}, 120_000);
  const slot = await keySlot(look, `${prefix}{${task.taskId}}:task`);
  const migration = await halfMigrate(slot, [`${prefix}{${task.taskId}}:task`]);

  // A tasks/result open: the log goes through the task's queue, not straight to the session.
  const result = taskResult(session.client, task.taskId);
  result.catch(() => {});
  await sleep(200);
  gate.resolve();
  await eventually(() => logged.some((line) => FAILED_ENQUEUE.test(line)), 10_000);
  expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');

  await migration.finish();
  expect((await result).content).toEqual([{ type: 'text', text: 'logged' }]);
  const lines = session.notifications.filter((n) => n.method === 'notifications/message').map((n) => (n.params as { data?: unknown }).data);
  expect(lines).toEqual(['moving']);
}, 60_000);

it('the same message enqueued again (a try whose reply was lost) is queued once; a new message is queued again', async () => {
  const prefix = `migm${randomBytes(4).toString('hex')}:`;
  const { backend } = await instance(prefix);
  const message: QueuedMessage = { kind: 'request', requestId: 'r1', message: { jsonrpc: '2.0', id: 'r1', method: 'elicitation/create' } };
  await backend.queue.enqueue('t1', message);
  await backend.queue.enqueue('t1', message);
  expect(await backend.queue.dequeueAll('t1')).toEqual([message]);
  const copy: QueuedMessage = { ...message };
  await backend.queue.enqueue('t1', copy);
  expect(await backend.queue.dequeueAll('t1')).toEqual([copy]);
});
