/**
 * A status update whose store deadline passed can still run later: on a Redis Cluster, ioredis
 * sends a command again `retryDelayOnFailover` after its connection dropped (default 100 ms). The
 * engine meanwhile gave the write up as failed, retried it, and stored the newer writes after it;
 * the late copy then put the older status back, and every `tasks/get` showed it until the next
 * write (a task waiting for input shown `working`). The update script now refuses an update older
 * than the last one the same store stored. With the default 100 ms the window is about 80 ms
 * around the deadline; 500 ms here makes it wide enough to hit on a loaded machine.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { answerWith } from '../../support/askingTools.js';
import { inspectCluster, keySlot, slotOwners } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

const STORE_TIMEOUT = 300;
const prefix = `stale${randomBytes(4).toString('hex')}:`;
const name = `stale-${randomBytes(4).toString('hex')}`;
let look: Cluster;
let backend: RedisTaskBackend;
let tasks: TaskSupport;
let session: Session;
const errors: unknown[][] = [];
const go = deferred();
/** The work asks only once the node runs writes again: its question is queued at once, not held. */
const ask = deferred();

beforeAll(async () => {
  const seeds = inject('redisClusterNodes');
  if (seeds.length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  look = inspectCluster(seeds);
  backend = await createRedisTaskBackend({
    clusterNodes: seeds,
    prefix,
    // Named, so the test can cut exactly this backend's command connection on a node.
    redis: { connectionName: name },
    cluster: { retryDelayOnFailover: 500 },
  });
  tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    storeTimeout: STORE_TIMEOUT,
    pollInterval: 100,
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'step-then-ask', { taskSupport: 'required' }, async (_args, task) => {
      await go.promise;
      void task.status('checking');
      await ask.promise;
      const answer = await task.elicit({ message: 'go on?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: answer.action }] };
    });
  });
}, 60_000);

afterAll(async () => {
  go.resolve();
  ask.resolve();
  await session?.close();
  await tasks?.close();
  await backend?.close();
  look?.disconnect();
});

/** Cuts this backend's command connection (not its subscriber) on `node`. */
async function cutCommands(node: Redis): Promise<void> {
  const list = (await node.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `) && !/\b(sub|psub|ssub)=[1-9]/.test(line))
    .map((line) => /\bid=(\d+)/.exec(line)![1]!);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) await node.client('KILL', 'ID', id);
}

it('an update sent again after its deadline does not put back a status older than the one stored since', async () => {
  const task = await createTask(session.client, 'step-then-ask', {}, 60_000);
  const key = `${prefix}{${task.taskId}}:task`;
  const owner = await slotOwners(look);
  const port = owner(await keySlot(look, key));
  const node = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  node.on('error', () => {});
  // The client answers the question once the test has seen the task wait for it.
  const answer = deferred();
  answerWith(session.client, {
    elicit: async () => {
      await answer.promise;
      return { action: 'accept', content: {} };
    },
  });
  try {
    // The task's node holds every write: the update of 'checking' waits there, past its deadline.
    await node.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    const sent = Date.now();
    go.resolve();
    await sleep(STORE_TIMEOUT / 2);
    // Its connection drops before the node ran it: the cluster client sends it again 500 ms later.
    await cutCommands(node);
    await node.call('CLIENT', 'UNPAUSE');
    ask.resolve();
    // Meanwhile the engine retried it after the deadline, and stored the newer input_required.
    await eventually(async () => (await node.hget(key, 'status')) === 'input_required', 5000);
    // Past the late copy's resend (cut + 500 ms + a slots refresh).
    await sleep(Math.max(0, sent + 1500 - Date.now()));
    expect(await node.hget(key, 'status')).toBe('input_required');
    const seen = await session.client.experimental.tasks.getTask(task.taskId);
    expect(seen.status).toBe('input_required');
    // The task goes on: its question is answered and it completes.
    answer.resolve();
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'accept' }]);
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
  } finally {
    await node.call('CLIENT', 'UNPAUSE').catch(() => {});
    node.disconnect();
  }
}, 30_000);
