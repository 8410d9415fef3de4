import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { inspectCluster, keySlot, slotOwners } from '../../support/clusterKeys.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';
import { info, startRedisCluster } from '../../support/redisCluster.js';
import type { RedisCluster } from '../../support/redisCluster.js';

const run = promisify(execFile);

// Slots moved between masters while tasks run: the MOVED and ASK replies of the migration are
// followed by the client, never surfaced. Its own cluster: the shared one serves the other files.
const prefix = `move${randomBytes(4).toString('hex')}:`;
let cluster: RedisCluster;
let backend: RedisTaskBackend;
let tasks: TaskSupport;
let session: Session;
let look: Cluster;
const jobs = new Jobs();

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  cluster = await startRedisCluster();
  backend = await createRedisTaskBackend({ clusterNodes: cluster.seeds, prefix });
  tasks = testTaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster });
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

describe('resharding a Redis Cluster while tasks run', () => {
  it('follows MOVED and ASK: tasks on migrated slots stay readable, listable and settle', async () => {
    const created: { taskId: string; key: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const task = await createTask(session.client, 'job', { key: `m${i}` });
      created.push({ taskId: task.taskId, key: `m${i}` });
    }
    const [from, to] = cluster.nodes;
    const before = await slotOwners(look);
    const slotOf = (taskId: string): Promise<number> => keySlot(look, `${prefix}{${taskId}}:task`);
    const onSource: typeof created = [];
    for (const c of created) if (before(await slotOf(c.taskId)) === from!.port) onSource.push(c);
    expect(onSource.length).toBeGreaterThan(0);

    // Readers hammer every task while redis-cli moves all of the first master's slots away.
    let reading = true;
    const failures: unknown[] = [];
    let reads = 0;
    // …and writers run whole lifecycles (create, claim, settle over two keys, release, result).
    let lifecycles = 0;
    const readers = (async () => {
      while (reading) {
        const quick = (async () => {
          const task = await createTask(session.client, 'quick', { text: 'q' });
          await taskResult(session.client, task.taskId);
          lifecycles++;
        })().catch((error: unknown) => void failures.push(error));
        await Promise.all([
          quick,
          ...created.map((c) =>
            session.client.experimental.tasks.getTask(c.taskId).then(
              () => void reads++,
              (error: unknown) => void failures.push(error),
            ),
          ),
        ]);
      }
    })();
    const [fromId, toId] = await Promise.all([info(from!.port, 'CLUSTER', 'MYID'), info(to!.port, 'CLUSTER', 'MYID')]);
    await run(
      'redis-cli',
      [
        '--cluster',
        'reshard',
        from!.address,
        '--cluster-from',
        fromId,
        '--cluster-to',
        toId,
        '--cluster-slots',
        '16384',
        '--cluster-yes',
        '--cluster-pipeline',
        '10',
      ],
      { timeout: 60_000 },
    );
    reading = false;
    await readers;
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(created.length);
    expect(lifecycles).toBeGreaterThan(0);

    // Every task of the first master is now on the second.
    const after = await slotOwners(look);
    for (const c of onSource) expect(after(await slotOf(c.taskId))).toBe(to!.port);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await session.client.experimental.tasks.listTasks(cursor);
      listed.push(...page.tasks.map((t) => t.taskId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed.slice(0, created.length)).toEqual(created.map((c) => c.taskId));
    expect(listed).toHaveLength(created.length + lifecycles);
    for (const c of created) (await jobs.get(c.key)).finish();
    for (const c of onSource)
      expect((await taskResult(session.client, c.taskId)).content).toEqual([{ type: 'text', text: `done ${c.key}` }]);
  }, 90_000);
});
