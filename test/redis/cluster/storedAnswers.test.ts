/**
 * On a Redis Cluster: an answer forwarded to a task's runner whose subscriber stays away longer
 * than the forward is sent again (a lease), while the runner lives (its lease renewed on its node
 * connections). Before, the sender gave up once no receipt came within the lease, and the answer
 * was lost: the work waited for it until the task's ttl. Now every forwarded answer is also stored
 * on the task's slot, and the runner takes a copy a lease old in its periodic look at its
 * outstanding requests (StoredAnswers.ts). Guard: an answer delivered normally leaves no copy.
 *
 * The subscriber is made deaf with ACLs as in lostAnswer.test.ts: its user loses the right to its
 * command channel (Redis disconnects it, and refuses its resubscription) for {@link DOWN_MS}.
 */
import { randomBytes } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { Cluster } from 'ioredis';
import { answerWith } from '../../support/askingTools.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import { connectionsNamed, deafRunnerKit, gatedTool } from './deafRunner.js';

const LEASE_MS = 600;
/** How long the runner's subscriber stays deaf: five leases, far past a forward's retries. */
const DOWN_MS = 5 * LEASE_MS;
const { cleanups, nodeClients, backend, taskSupport, session, runnerUser } = deafRunnerKit(LEASE_MS);

/** A client of the whole cluster, for keys of any slot. */
function clusterClient(): Cluster {
  const client = new Cluster(inject('redisClusterNodes'));
  client.on('error', () => {});
  cleanups.push(async () => client.disconnect());
  return client;
}

/** Runner A (its subscriber's user `user`, if given) with a `gated` tool that elicits, and B; the caller moves to B. */
async function twoInstances(prefix: string, user?: { name: string; password: string }) {
  const gate = deferred();
  const a = await backend(prefix, 'a', user ? { username: user.name, password: user.password, connectionName: user.name } : undefined);
  const aErrors: unknown[][] = [];
  const aWarnings: unknown[][] = [];
  const aTasks = taskSupport(a, aErrors, aWarnings);
  const aSession = await session(aTasks, gatedTool(aTasks, gate.promise));
  const b = await backend(prefix, 'b');
  const bErrors: unknown[][] = [];
  const bWarnings: unknown[][] = [];
  const bSession = await session(taskSupport(b, bErrors, bWarnings));
  return { gate, aSession, bSession, logged: () => [...aErrors, ...bErrors, ...aWarnings, ...bWarnings] };
}

it('an answer forwarded while the runner’s subscriber stays deaf past the forward’s retries reaches the work', async () => {
  const prefix = `storedanswer${randomBytes(4).toString('hex')}:`;
  const nodes = nodeClients();
  const { user, password, subscriberName } = await runnerUser(nodes);
  const { gate, aSession, bSession, logged } = await twoInstances(prefix, { name: user, password });

  let cutAt = 0;
  let restore: ReturnType<typeof setTimeout> | undefined;
  cleanups.push(async () => clearTimeout(restore));
  answerWith(bSession.client, {
    elicit: async () => {
      // Its command channel taken away from A's user: Redis disconnects A's subscriber, which
      // cannot subscribe again until the right comes back, long after B stopped sending.
      for (const node of nodes) await node.call('ACL', 'SETUSER', user, 'resetchannels', `&${prefix}events`);
      await eventually(async () => (await connectionsNamed(nodes, subscriberName)).flat().length > 0, 2000);
      cutAt = Date.now();
      restore = setTimeout(async () => {
        await Promise.all(nodes.map((n) => n.call('ACL', 'SETUSER', user, 'allchannels').catch(() => {})));
        const ids = await connectionsNamed(nodes, subscriberName).catch(() => []);
        await Promise.all(ids.flatMap((onNode, i) => onNode.map((id) => nodes[i]!.client('KILL', 'ID', id).catch(() => 0))));
      }, DOWN_MS);
      return { action: 'accept', content: { value: 'yes' } };
    },
  });

  const task = await createTask(aSession.client, 'gated', {}, 60_000);
  // The caller moves to B: with no connection on A the request waits in the shared queue for B's tasks/result.
  await aSession.close();
  gate.resolve();
  const result = await Promise.race([
    taskResult(bSession.client, task.taskId),
    sleep(DOWN_MS + 4000).then(() => 'no result: the answer never reached the work'),
  ]);
  expect(cutAt).toBeGreaterThan(0);
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'yes' }] });
  // Nothing dropped, no lease lost; no copy left.
  expect(logged()).toEqual([]);
  expect(await clusterClient().exists(`${prefix}{${task.taskId}}:answers`)).toBe(0);
}, 30_000);

it('an answer forwarded normally is stored and then dropped with its request: nothing is left', async () => {
  const prefix = `storedanswer${randomBytes(4).toString('hex')}:`;
  const { gate, aSession, bSession, logged } = await twoInstances(prefix);
  answerWith(bSession.client, { elicit: () => ({ action: 'accept', content: { value: 'plain' } }) });
  const task = await createTask(aSession.client, 'gated', {}, 60_000);
  await aSession.close();
  gate.resolve();
  expect(await taskResult(bSession.client, task.taskId)).toMatchObject({ content: [{ type: 'text', text: 'plain' }] });
  expect(await clusterClient().exists(`${prefix}{${task.taskId}}:answers`)).toBe(0);
  expect(logged()).toEqual([]);
}, 30_000);
