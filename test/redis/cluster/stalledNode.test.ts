/**
 * A cluster node that stalls (`kill -STOP`): its connections stay open, nothing errors, nothing
 * answers. What the store does on its slots is bounded by the store timeout; what the cluster
 * backend did there was not. Before:
 * - with the lease index's master stalled, every task-augmented tools/call waited for the index
 *   entry its claim wrote, past the store timeout, until the node ran again (the claim awaited it
 *   although a failed one is not fatal);
 * - with the node holding the backend's subscription stalled, `TaskSupport.close()` waited for the
 *   UNSUBSCRIBE of the instance's command channel until the node ran again.
 * The cluster's node timeout is long here, so nothing fails over while a node is stopped.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import type { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { inspectCluster, keySlot } from '../../support/clusterKeys.js';
import { createTask, sleep, taskResult } from '../../support/harness.js';
import { jobsInstance } from '../../support/jobsInstance.js';
import type { Session } from '../../support/harness.js';
import { info, startReplicatedCluster } from './replicatedCluster.js';
import type { ReplicaNode, ReplicatedCluster } from './replicatedCluster.js';

const STORE_TIMEOUT = 1000;
let cluster: ReplicatedCluster;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  cluster = await startReplicatedCluster({ nodeTimeoutMs: 60_000 });
}, 60_000);

afterEach(async () => {
  for (const node of cluster.nodes) node.resume();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

afterAll(async () => {
  await cluster?.dispose();
});

async function instance(
  prefix: string,
  name: string,
): Promise<{ backend: RedisTaskBackend; tasks: TaskSupport; session: Session; logged: string[] }> {
  const logged: string[] = [];
  const log = (...parts: unknown[]): void => void logged.push(parts.map(String).join(' '));
  const backend = await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix, instanceId: name, redis: { connectionName: name } });
  const { tasks, session } = await jobsInstance(backend, (cleanup) => cleanups.push(cleanup), {
    storeTimeout: STORE_TIMEOUT,
    logger: { warn: log, error: log },
  });
  return { backend, tasks, session, logged };
}

/** A request's outcome, or 'no answer' when it took longer than `ms`. */
function within<T>(ms: number, call: Promise<T>): Promise<T | Error | 'no answer'> {
  return Promise.race([call.catch((error: unknown) => error as Error), sleep(ms).then(() => 'no answer' as const)]);
}

it('tools/call answers within the store timeout while the lease index’s master is stalled', async () => {
  const look = inspectCluster(cluster.seeds);
  cleanups.push(async () => look.disconnect());
  // A prefix whose lease index and owner index live on different masters: with the owner's
  // index stalled every create fails (cleanly); here only the lease index is.
  let prefix = '';
  let stalled: ReplicaNode | undefined;
  while (!stalled) {
    prefix = `stall${randomBytes(4).toString('hex')}:`;
    const leases = await cluster.masterOf(await keySlot(look, `${prefix}{leases}`));
    const owner = await cluster.masterOf(await keySlot(look, `${prefix}{o:alice}`));
    if (leases !== owner) stalled = leases;
  }
  const { session } = await instance(prefix, `stall-${randomBytes(3).toString('hex')}`);
  const warm = await createTask(session.client, 'quick', { text: 'before' });
  await taskResult(session.client, warm.taskId);

  stalled.pause();
  const created: string[] = [];
  for (let i = 0; created.length < 3 && i < 30; i++) {
    const started = Date.now();
    const made = await within(STORE_TIMEOUT + 1500, createTask(session.client, 'quick', { text: `during ${i}` }));
    // Before: 'no answer' (held until the node ran again).
    expect(made).not.toBe('no answer');
    expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT + 1000);
    // A task whose own slot is on the stalled node fails cleanly at the store timeout.
    if (made instanceof Error) expect(made.message).toContain('-32603');
    else if (made !== 'no answer') created.push(made.taskId);
  }
  expect(created.length).toBe(3);
  // Tasks on the other masters run to their result while the index's master is stopped.
  for (const taskId of created) {
    const result = await within(STORE_TIMEOUT + 1500, taskResult(session.client, taskId));
    expect(result).toMatchObject({ content: [{ type: 'text', text: expect.stringMatching(/^during \d+$/) }] });
  }
  stalled.resume();
}, 60_000);

it('TaskSupport.close() ends while the node holding its subscription is stalled', async () => {
  const name = `sub-${randomBytes(3).toString('hex')}`;
  const { tasks, session } = await instance(`stallsub${randomBytes(4).toString('hex')}:`, name);
  const warm = await createTask(session.client, 'quick', { text: 'before' });
  await taskResult(session.client, warm.taskId);
  let subscriberNode: ReplicaNode | undefined;
  for (const node of cluster.nodes)
    if ((await info(node.port, 'CLIENT', 'LIST')).includes(`name=ioredis-cluster(subscriber):${name}`)) subscriberNode = node;
  expect(subscriberNode).toBeDefined();
  await session.close();
  subscriberNode!.pause();
  const started = Date.now();
  // Before: 'no answer' (close waited for the UNSUBSCRIBE until the node ran again).
  expect(await within(5000, tasks.close())).toBeUndefined();
  expect(Date.now() - started).toBeLessThan(2000);
  subscriberNode!.resume();
}, 60_000);
