/**
 * An answer forwarded to a task's runner on a Redis Cluster while the runner's subscriber is away.
 * PUBLISH is broadcast to every node but counts only the subscribers of the node it ran on, so its
 * count cannot tell a lost answer from a delivered one. Before, `send` took the runner's live lease
 * for a delivery: the answer was lost and the work waited for it until the task's ttl. Now the
 * runner writes a receipt for each answer and the sender sends it again until it sees one.
 *
 * The gap is made real and deterministic with ACLs: revoking the runner's user's right to its
 * command channel makes Redis disconnect its subscriber, whose resubscription is then refused
 * (NOPERM) until the right is given back and the connection is cut once more.
 */
import { randomBytes } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { Cluster } from 'ioredis';
import { cancelledOutcome } from '../../../src/engine/outcomes.js';
import type { RedisTaskCluster } from '../../../src/redis/index.js';
import type { ClusterCommand } from '../../../src/backends/TaskCluster.js';
import { answerWith } from '../../support/askingTools.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { connectionsNamed, deafRunnerKit, gatedTool } from './deafRunner.js';
import { DECLINE_ANSWER, ghostRunTasks } from '../../support/ghostRunner.js';

const LEASE_MS = 600;
const { cleanups, nodeClients, backend, taskSupport, session, runnerUser } = deafRunnerKit(LEASE_MS);

it('an answer forwarded while the runner resubscribes reaches the waiting work', async () => {
  const prefix = `lostanswer${randomBytes(4).toString('hex')}:`;
  const nodes = nodeClients();
  const { user, password, subscriberName } = await runnerUser(nodes);

  const gate = deferred();
  const a = await backend(prefix, 'a', { username: user, password, connectionName: user });
  const aErrors: unknown[][] = [];
  const aTasks = taskSupport(a, aErrors);
  const aSession = await session(aTasks, gatedTool(aTasks, gate.promise));
  const b = await backend(prefix, 'b');
  const bErrors: unknown[][] = [];
  const bWarnings: unknown[][] = [];
  const bTasks = taskSupport(b, bErrors, bWarnings);
  const bSession = await session(bTasks);

  let cutAt = 0;
  let restoredAt = 0;
  const restore = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.call('ACL', 'SETUSER', user, 'allchannels')));
    // A's subscriber sits deaf on a connection whose SUBSCRIBE was refused: cut it, and ioredis
    // subscribes again on a new one, now allowed.
    const ids = await connectionsNamed(nodes, subscriberName);
    await Promise.all(ids.flatMap((onNode, i) => onNode.map((id) => nodes[i]!.client('KILL', 'ID', id).catch(() => 0))));
    restoredAt = Date.now();
  };
  answerWith(bSession.client, {
    elicit: async () => {
      // Its command channel taken away from A's user: Redis disconnects A's subscriber, which
      // cannot subscribe again. The node it sits on last, so it reconnects to revoked nodes only.
      const ids = await connectionsNamed(nodes, subscriberName);
      const order = nodes.map((_, i) => i).sort((x, y) => ids[x]!.length - ids[y]!.length);
      for (const i of order) await nodes[i]!.call('ACL', 'SETUSER', user, 'resetchannels', `&${prefix}events`);
      await eventually(async () => (await connectionsNamed(nodes, subscriberName)).flat().length > 0, 2000);
      cutAt = Date.now();
      // Back after the answer was forwarded (within A's lease, so a retry still runs then).
      setTimeout(() => void restore(), 250);
      return { action: 'accept', content: { value: 'yes' } };
    },
  });

  const task = await createTask(aSession.client, 'gated', {}, 60_000);
  // The caller moves to B: with no connection on A the request waits in the shared queue for B's tasks/result.
  await aSession.close();
  gate.resolve();
  const started = Date.now();
  const result = await Promise.race([
    taskResult(bSession.client, task.taskId),
    sleep(LEASE_MS + 4000).then(() => 'no result: the answer never reached the work'),
  ]);
  const waited = Date.now() - started;
  expect(cutAt).toBeGreaterThan(0);
  expect(restoredAt).toBeGreaterThan(0);
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'yes' }] });
  // Delivered once A listens again: within a second of that, not at the ttl.
  expect(waited).toBeLessThan(restoredAt - started + 1000);
  await eventually(() => (a.cluster as RedisTaskCluster).leaseCount === 0, 2000);
  expect(aErrors).toEqual([]);
  expect(bErrors).toEqual([]);
  // B's forward ended as delivered (a forward that gives up warns "dropped an answer").
  expect(bWarnings).toEqual([]);
}, 30_000);

it('an answer to a runner that never listens again is given up after about a lease; a cancel ends at once', async () => {
  const prefix = `lostanswer${randomBytes(4).toString('hex')}:`;
  const b = await backend(prefix, 'b');
  const answer = DECLINE_ANSWER;
  // Run by "ghost", whose lease stays live while nothing of it listens.
  const writer = new Cluster(inject('redisClusterNodes'));
  writer.on('error', () => {});
  cleanups.push(async () => writer.disconnect());
  await ghostRunTasks(b.store, writer, prefix, ['t1', 't2']);

  let at = Date.now();
  // Before: true at once (a live lease counted as delivered), and the answer was lost.
  expect(await b.cluster.send('t1', answer)).toBe(false);
  const gaveUpAfter = Date.now() - at;
  expect(gaveUpAfter).toBeGreaterThanOrEqual(LEASE_MS);
  expect(gaveUpAfter).toBeLessThan(LEASE_MS + 1000);

  // A cancel is stored first (what tasks/cancel elsewhere does) and sent once: the runner's
  // renewal finds a lost one (lostCancel.test.ts), so tasks/cancel is not held up. Sent from an
  // instance whose retries would go on for 5 s, so "at once" (under half of that) keeps a margin a
  // busy machine does not eat (300 ms of a 600 ms lease was the bound before).
  const patientLeaseMs = 5_000;
  const patient = await backend(prefix, 'p', undefined, patientLeaseMs);
  await patient.store.settle('t2', 'cancelled', 'gone', cancelledOutcome('t2', 'gone'));
  at = Date.now();
  await patient.cluster.send('t2', { type: 'cancel', reason: 'gone' });
  expect(Date.now() - at).toBeLessThan(patientLeaseMs / 2);
});

it('an answer the runner receives twice (its receipt was slow) reaches the work once', async () => {
  const prefix = `lostanswer${randomBytes(4).toString('hex')}:`;
  const runner = await backend(prefix, 'r');
  const sender = await backend(prefix, 's');
  const got: [string, ClusterCommand][] = [];
  cleanups.push(() => runner.cluster.close());
  await runner.cluster.start({ command: (taskId, command) => void got.push([taskId, command]), orphaned: () => {}, lost: () => {} });
  const now = new Date().toISOString();
  await runner.store.create({
    taskId: 't1',
    owner: 'alice',
    status: 'input_required',
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    pollInterval: 100,
  });
  await runner.cluster.claim('t1');
  const answer = { type: 'answer' as const, requestId: 'r1', answer: { result: { action: 'decline' } } };
  expect(await sender.cluster.send('t1', answer)).toBe(true);
  // Counted by PUBLISH on the runner's node, send may end before the runner's socket hands it over.
  await eventually(() => got.length === 1, 1000);
  // Published once more with the same receipt id (a retry that crossed the runner's receipt).
  const publisher = new Cluster(inject('redisClusterNodes'));
  publisher.on('error', () => {});
  cleanups.push(async () => publisher.disconnect());
  const again = JSON.stringify({ taskId: 't1', command: answer, receipt: 'a1b2c3d4e5f60718' });
  await publisher.publish(`${prefix}instance:r`, again);
  await publisher.publish(`${prefix}instance:r`, again);
  await eventually(async () => (await publisher.exists(`${prefix}{t1}:receipt:a1b2c3d4e5f60718`)) === 1, 2000);
  await sleep(100);
  expect(got).toEqual([
    ['t1', answer],
    ['t1', answer],
  ]);
});
