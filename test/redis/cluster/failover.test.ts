/**
 * Masters failing over to their replicas, on a cluster of three masters with one replica each.
 *
 * - `CLUSTER FAILOVER` (the replica and its master agree, nothing is lost) of every master in turn
 *   while lifecycles run on two instances: no request fails, every task ends as it should, every
 *   work runs once and every question is asked once.
 * - A node that freezes for good (kill -STOP: a VM paused, packets dropped; no error, no answer).
 *   Before, the backend's cluster clients never asked for the layout again: after the frozen
 *   master's replica took over, every call on its slots still went to it and failed at the store
 *   timeout, and a subscription on the frozen node heard nothing, so a tasks/result waiting there
 *   never answered. Now the clients refresh the slots every 2 s.
 * - An answer forwarded to a task's runner while the master of the task's slot is SIGKILLed and
 *   its replica promoted a few seconds later. Before, the forward's first read of the task's record
 *   failed and the answer was dropped for good ("could not pass an answer … on"): the work waited
 *   for it, the task stayed `input_required` and the caller's tasks/result never answered. Now the
 *   forward is sent again, backing off, until the slot is served again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { answerWith } from '../../support/askingTools.js';
import { inspectCluster, keySlot } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { jobsInstance } from '../../support/jobsInstance.js';
import type { Session } from '../../support/harness.js';
import type { Jobs } from '../../support/jobs.js';
import { checkOnce, runWorkload, twoInstances } from './failoverWorkload.js';
import { info, startReplicatedCluster, waitFor } from './replicatedCluster.js';
import type { ReplicaNode, ReplicatedCluster } from './replicatedCluster.js';

let cluster: ReplicatedCluster;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  cluster = await startReplicatedCluster();
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  if (!cluster) return;
  // A node the test stopped or killed runs again (as its promoted replica's replica), and the next
  // test starts from a whole cluster.
  for (const node of cluster.nodes) node.resume();
  await Promise.all(cluster.nodes.map((node) => node.start()));
  await cluster.whole();
}, 60_000);

afterAll(async () => {
  await cluster?.dispose();
});

it('CLUSTER FAILOVER of every master in turn while tasks run, ask and are cancelled: nothing fails, nothing twice', async () => {
  const storeTimeout = 2000;
  const instances = await twoInstances(cluster.seeds, storeTimeout);
  cleanups.push(() => instances.close());
  const load = runWorkload(instances, storeTimeout);
  const masters: ReplicaNode[] = [];
  for (const node of cluster.nodes) if ((await info(node.port, 'INFO', 'replication')).includes('role:master')) masters.push(node);
  expect(masters).toHaveLength(3);
  for (const master of masters) {
    await sleep(700);
    const replica = await cluster.replicaOf(master);
    expect(await info(replica.port, 'CLUSTER', 'FAILOVER')).toBe('OK');
    await waitFor(async () => (await info(replica.port, 'INFO', 'replication')).includes('role:master'), 10_000, 'the replica promoted');
  }
  await sleep(1000);
  await load.stop();
  checkOnce(instances);
  const { anomalies } = instances;
  expect(anomalies.done).toBeGreaterThan(30);
  expect({ hangs: anomalies.hangs, wrong: anomalies.wrong, logged: anomalies.logged }).toEqual({ hangs: [], wrong: [], logged: [] });
  // A cancelled task's tasks/result is its -32603 "was cancelled"; nothing else failed.
  expect([...anomalies.failures.keys()].filter((message) => !/was cancelled: Cancelled by the client/.test(message))).toEqual([]);
}, 120_000);

/** Whether the other nodes flag `node` as failed (its node timeout passed): CLUSTER SLOTS leaves it out. */
async function flaggedFailed(node: ReplicaNode): Promise<boolean> {
  for (const other of cluster.nodes) {
    if (other === node) continue;
    const line = (await info(other.port, 'CLUSTER', 'NODES')).split('\n').find((l) => l.includes(`:${node.port}@`));
    if (line && /(^|,)fail(,|$)/.test(line.split(' ')[2] ?? '')) return true;
  }
  return false;
}

/** An instance on the cluster, bound to one principal, with the `job` tools of {@link Jobs}. */
async function jobInstance(prefix: string, name: string): Promise<{ tasks: TaskSupport; session: Session; jobs: Jobs }> {
  const backend = await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix, instanceId: name, redis: { connectionName: name } });
  return jobsInstance(backend, (cleanup) => cleanups.push(cleanup));
}

it('a master frozen for good: calls on its slots go to its promoted replica', async () => {
  const prefix = `frz${randomBytes(4).toString('hex')}:`;
  const { session, jobs } = await jobInstance(prefix, `frz-${randomBytes(3).toString('hex')}`);
  const look = inspectCluster(cluster.seeds);
  cleanups.push(async () => look.disconnect());
  const ownerIndex = await cluster.masterOf(await keySlot(look, `${prefix}{o:alice}`));
  let frozen: { taskId: string; key: string; master: ReplicaNode } | undefined;
  for (let i = 0; !frozen; i++) {
    const made = await createTask(session.client, 'job', { key: `k${i}` });
    const master = await cluster.masterOf(await keySlot(look, `${prefix}{${made.taskId}}:task`));
    if (master !== ownerIndex) frozen = { taskId: made.taskId, key: `k${i}`, master };
  }
  const replica = await cluster.replicaOf(frozen.master);
  frozen.master.pause();
  cleanups.push(async () => frozen!.master.resume());
  await waitFor(async () => (await info(replica.port, 'INFO', 'replication')).includes('role:master'), 20_000, 'the replica promoted');
  const promotedAt = Date.now();
  // Before: -32603 "get did not answer within 1000 ms" for as long as the old master stayed frozen.
  const seen = async (): Promise<boolean> =>
    (await session.client.experimental.tasks.getTask(frozen!.taskId).catch(() => undefined))?.status === 'working';
  await eventually(seen, 8000);
  expect(Date.now() - promotedAt).toBeLessThan(8000);
  (await jobs.get(frozen.key)).finish();
  expect((await taskResult(session.client, frozen.taskId)).content).toEqual([{ type: 'text', text: `done ${frozen.key}` }]);
}, 60_000);

it('a node frozen for good under a subscription: a tasks/result waiting there answers', async () => {
  const prefix = `frzsub${randomBytes(4).toString('hex')}:`;
  const a = await jobInstance(prefix, `frza-${randomBytes(3).toString('hex')}`);
  const bName = `frzb-${randomBytes(3).toString('hex')}`;
  const b = await jobInstance(prefix, bName);
  let subscriberNode: ReplicaNode | undefined;
  for (const node of cluster.nodes)
    if ((await info(node.port, 'CLIENT', 'LIST')).includes(`name=ioredis-cluster(subscriber):${bName}`)) subscriberNode = node;
  expect(subscriberNode).toBeDefined();
  const look = inspectCluster(cluster.seeds);
  cleanups.push(async () => look.disconnect());
  // A task that lives elsewhere, run on A; B waits for its result, listening on the node that freezes.
  let task: { taskId: string; key: string } | undefined;
  for (let i = 0; !task; i++) {
    const made = await createTask(a.session.client, 'job', { key: `w${i}` });
    if ((await cluster.masterOf(await keySlot(look, `${prefix}{${made.taskId}}:task`))) !== subscriberNode)
      task = { taskId: made.taskId, key: `w${i}` };
  }
  const result = taskResult(b.session.client, task.taskId);
  await sleep(200);
  subscriberNode!.pause();
  cleanups.push(async () => subscriberNode!.resume());
  await waitFor(() => flaggedFailed(subscriberNode!), 20_000, 'the frozen node flagged failed');
  (await a.jobs.get(task.key)).finish();
  const finishedAt = Date.now();
  // Before: no answer while the node stayed frozen.
  const outcome = await Promise.race([result, sleep(10_000).then(() => 'no answer 10 s after the work ended')]);
  expect(outcome).toMatchObject({ content: [{ type: 'text', text: `done ${task.key}` }] });
  expect(Date.now() - finishedAt).toBeLessThan(10_000);
}, 60_000);

it('an answer forwarded while the task’s master fails over reaches the work once', async () => {
  const prefix = `foa${randomBytes(4).toString('hex')}:`;
  const logged: string[] = [];
  const log = (...parts: unknown[]): void => void logged.push(parts.map(String).join(' '));
  const backends: RedisTaskBackend[] = [];
  for (const id of ['a', 'b']) backends.push(await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix, instanceId: id }));
  cleanups.push(async () => void (await Promise.all(backends.map((b) => b.close()))));
  const make = (backend: RedisTaskBackend): TaskSupport =>
    new TaskSupport({ ...backend, pollInterval: 100, identify: () => 'alice', logger: { warn: log, error: log } });
  const [a, b] = [make(backends[0]!), make(backends[1]!)];
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  let runs = 0;
  const gate = deferred();
  const onA = await connectInMemory(a, (server) =>
    a.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      runs++;
      await gate.promise;
      const answer = await task.elicit({ message: key, requestedSchema: { type: 'object', properties: { v: { type: 'string' } } } });
      return { content: [{ type: 'text', text: String(answer.content?.['v'] ?? answer.action) }] };
    }),
  );
  const onB = await connectInMemory(b, () => {});
  cleanups.push(() => onB.close());
  const look = inspectCluster(cluster.seeds);
  cleanups.push(async () => look.disconnect());

  const task = await createTask(onA.client, 'ask', { key: 'k' }, 120_000);
  const master = await cluster.masterOf(await keySlot(look, `${prefix}{${task.taskId}}:task`));
  const replica = await cluster.replicaOf(master);
  // The caller moves to B: the question waits in the shared queue for B's tasks/result.
  await onA.close();
  gate.resolve();
  let asked = 0;
  answerWith(onB.client, {
    elicit: async () => {
      asked++;
      // The task's master dies as the answer goes out: B's forward meets a slot nobody serves.
      await master.kill();
      return { action: 'accept', content: { v: 'yes' } };
    },
  });
  const killedAt = { at: 0 };
  const result = taskResult(onB.client, task.taskId).then(
    (r) => r,
    (e: unknown) => e,
  );
  await waitFor(async () => asked > 0, 10_000, 'the question');
  killedAt.at = Date.now();
  await waitFor(async () => (await info(replica.port, 'INFO', 'replication')).includes('role:master'), 20_000, 'the replica promoted');
  const promotedAt = Date.now();
  const outcome = await Promise.race([result, sleep(15_000).then(() => 'no answer 15 s after the promotion')]);
  expect(outcome, logged.join('\n')).toMatchObject({ content: [{ type: 'text', text: 'yes' }] });
  // Once the slot is served again, not at the task's ttl.
  expect(Date.now() - promotedAt).toBeLessThan(5000);
  expect(promotedAt - killedAt.at).toBeGreaterThan(0);
  expect(asked).toBe(1);
  expect(runs).toBe(1);
  expect(logged.filter((l) => l.includes('answer'))).toEqual([]);
  await master.start();
}, 60_000);
