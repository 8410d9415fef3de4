/**
 * Commands to a task's runner travel on Redis pub/sub, which is fire-and-forget: a message published
 * while the runner's subscriber reconnects reaches nobody. Each case here failed before its fix:
 * - a cancel stored by another instance whose command was lost: the runner renewed the lease of the
 *   cancelled task and its work ran on until the ttl (the renewal now finds the stored end);
 * - an answer forwarded to the runner while its subscriber was away: dropped with a warning, and the
 *   work waited for it until the ttl (`send` now sends it again while the task runs and its lease is live);
 * - the bound of that retry: about a lease for a runner that never listens again, none for a cancel
 *   (sent after the task is stored `cancelled`), and none once the cluster closes.
 * On a Redis Cluster PUBLISH's count cannot say whether the runner received an answer: the runner's
 * receipt does (test/redis/cluster/lostAnswer.test.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { cancelledOutcome } from '../../src/engine/outcomes.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskCluster } from '../../src/redis/index.js';
import { answerWith } from '../support/askingTools.js';
import { DECLINE_ANSWER, ghostRunTasks } from '../support/ghostRunner.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { instance, LEASE_MS, raw } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

/** The default renewal period of the instances of redisInstances.ts. */
const RENEW_MS = Math.floor(LEASE_MS / 3);

async function closeAll(instances: Instance[]): Promise<void> {
  for (const i of instances) {
    await i.session.close();
    await i.tasks.close();
    await i.backend.close();
  }
}

/** The id of the pub/sub connection named `name` (the runner's subscriber), from CLIENT LIST. */
async function subscriberId(r: Redis, name: string): Promise<string> {
  const list = (await r.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `) && /\bsub=[1-9]/.test(l));
  if (!line) throw new Error(`no subscriber named ${name} in ${list}`);
  return /\bid=(\d+)/.exec(line)![1]!;
}

it('a cancel stored elsewhere whose command is lost: the runner stops the work within a few renewals', async () => {
  const a = await instance(redis, 'a', 'lost1:');
  // Another instance's store: its settle is what tasks/cancel there stores; the command never comes.
  const b = await createRedisTaskBackend({ url: redis.url, prefix: 'lost1:', instanceId: 'b' });
  const r = raw(redis);
  try {
    const task = await createTask(a.session.client, 'job', { key: 'k' }, 60_000);
    const job = await a.jobs.get('k');
    let aborted = false;
    void job.aborted.then(() => (aborted = true));
    // Renewed twice first: the lease is live and indexed.
    await sleep(2 * RENEW_MS);
    expect(await r.zscore('lost1:{leases}', task.taskId)).not.toBeNull();

    const stored = await b.store.settle(task.taskId, 'cancelled', 'Cancelled on b', cancelledOutcome(task.taskId, 'Cancelled on b'));
    expect(stored?.status).toBe('cancelled');
    // Within a few renewals (every RENEW_MS); before, the work ran on until the task's ttl.
    await eventually(() => aborted, 4 * RENEW_MS);
    // The actor ended, the lease is released here and in the index.
    await eventually(() => a.tasks.taskActor(task.taskId) === undefined, 1000);
    await eventually(() => (a.backend.cluster as RedisTaskCluster).leaseCount === 0, 1000);
    expect(await r.zscore('lost1:{leases}', task.taskId)).toBeNull();
    // The caller hears the stored end from the runner, which holds its session.
    await eventually(() =>
      a.session.notifications.some(
        (n) =>
          n.method === 'notifications/tasks/status' &&
          (n.params as { status?: string; statusMessage?: string }).status === 'cancelled' &&
          (n.params as { statusMessage?: string }).statusMessage === 'Cancelled on b',
      ),
    );
    const seen = await a.session.client.experimental.tasks.getTask(task.taskId);
    expect(seen.status).toBe('cancelled');
    expect(seen.statusMessage).toBe('Cancelled on b');
    expect(a.jobs.aborts).toEqual(['k']);
    expect(a.errors).toEqual([]);
  } finally {
    r.disconnect();
    await b.close();
    await closeAll([a]);
  }
}, 30_000);

it('an answer forwarded while the runner resubscribes reaches the waiting work', async () => {
  const gate = deferred();
  // A's subscriber reconnects 300 ms after it is cut: long enough for the answer to be published into the gap.
  const a = await instance(redis, 'a', 'lost2:', {
    backend: { redis: { connectionName: 'runner-a', retryStrategy: () => 300 } },
    extraTools: (tasks, server) =>
      tasks.registerTool(server, 'gated', { taskSupport: 'required' }, async (_args, task) => {
        await gate.promise;
        const answer = await task.elicit({
          message: 'go on?',
          requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
        });
        return { content: [{ type: 'text', text: String(answer.content?.['value'] ?? answer.action) }] };
      }),
  });
  const b = await instance(redis, 'b', 'lost2:');
  const r = raw(redis);
  try {
    let cutAt = 0;
    answerWith(b.session.client, {
      elicit: async () => {
        // The runner's subscriber goes away just before the answer is forwarded to it.
        await r.client('KILL', 'ID', await subscriberId(r, 'runner-a'));
        cutAt = Date.now();
        return { action: 'accept', content: { value: 'yes' } };
      },
    });
    const task = await createTask(a.session.client, 'gated', {}, 60_000);
    // The caller moves to B: with no connection on A the request waits in the shared queue for B's tasks/result.
    await a.session.close();
    gate.resolve();
    const result = await Promise.race([
      taskResult(b.session.client, task.taskId),
      sleep(LEASE_MS + 3000).then(() => 'no result: the answer never reached the work'),
    ]);
    expect(cutAt).toBeGreaterThan(0);
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'yes' }] });
    await eventually(() => (a.backend.cluster as RedisTaskCluster).leaseCount === 0, 2000);
    expect(a.errors).toEqual([]);
  } finally {
    r.disconnect();
    await closeAll([a, b]);
  }
}, 30_000);

it('an answer to a runner that never listens again is given up after about a lease; a cancel and a close end at once', async () => {
  const leaseMs = 400;
  const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'lost3:', instanceId: 'b', leaseMs });
  // Sends that must end at once, from an instance whose retries would go on for 5 s: "at once" is
  // then anything under half of that, a margin a busy machine does not eat (300 ms of a 400 ms
  // lease was the bound before).
  const patientLeaseMs = 5_000;
  const patient = await createRedisTaskBackend({ url: redis.url, prefix: 'lost3:', instanceId: 'p', leaseMs: patientLeaseMs });
  const r = raw(redis);
  const answer = DECLINE_ANSWER;
  try {
    // Run by "ghost", whose lease stays live (renewed by its command connection) while nothing of it listens.
    await ghostRunTasks(backend.store, r, 'lost3:', ['t1', 't2', 't3']);
    let at = Date.now();
    expect(await backend.cluster.send('t1', answer)).toBe(false);
    const gaveUpAfter = Date.now() - at;
    expect(gaveUpAfter).toBeGreaterThanOrEqual(leaseMs);
    expect(gaveUpAfter).toBeLessThan(leaseMs + 1000);

    // Stored cancelled first (what tasks/cancel elsewhere does): sent once, tasks/cancel is not held up.
    await patient.store.settle('t2', 'cancelled', 'gone', cancelledOutcome('t2', 'gone'));
    at = Date.now();
    expect(await patient.cluster.send('t2', { type: 'cancel', reason: 'gone' })).toBe(false);
    // A retry would wait 25 ms and more, and go on for the whole lease.
    expect(Date.now() - at).toBeLessThan(patientLeaseMs / 2);

    // A retry still waiting when the backend's cluster closes ends then.
    const pending = patient.cluster.send('t3', answer);
    await sleep(50);
    at = Date.now();
    await patient.cluster.close();
    expect(await pending).toBe(false);
    expect(Date.now() - at).toBeLessThan(patientLeaseMs / 2);
  } finally {
    r.disconnect();
    await backend.close();
    await patient.close();
  }
});
