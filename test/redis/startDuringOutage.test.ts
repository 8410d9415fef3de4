/**
 * Redis goes away between createRedisTaskBackend (connected) and `new TaskSupport`, whose engine
 * starts the cluster at once (SUBSCRIBE to its instance channel). The cluster's start rejected and
 * the engine kept that outcome: once Redis was back every task-augmented tools/call still failed,
 * the instance never renewed or swept (its timers were never set), and its command channel was
 * never subscribed (ioredis subscribes again only to channels whose SUBSCRIBE succeeded).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, eventually, sleep } from '../support/harness.js';
import { raw } from '../support/redisInstances.js';
import { Jobs } from '../support/jobs.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

it('an instance built during a short Redis blip serves tasks once Redis is back', async () => {
  const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'p2:', instanceId: 'a', leaseMs: 600 });
  await redis.stop();
  await sleep(100);
  const tasks = new TaskSupport({
    ...backend,
    storeTimeout: 300,
    identify: () => 'alice',
    logger: { warn: () => {}, error: () => {} },
  });
  const jobs = new Jobs();
  const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  await redis.start();
  // Well past the reconnect (at most 500 ms apart).
  await sleep(2000);
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await createTask(session.client, 'quick', { text: 'x' }).then(
          (t) => `created ${t.status}`,
          (e: Error) => `error ${e.message}`,
        ),
      );
      await sleep(500);
    }
    expect(outcomes).toEqual(['created working', 'created working', 'created working']);
    // Commands from other instances reach this one: its channel is subscribed now.
    const r = raw(redis);
    try {
      await eventually(async () => {
        const [, subscribers] = (await r.pubsub('NUMSUB', 'p2:instance:a')) as [string, number];
        return subscribers === 1;
      });
    } finally {
      r.disconnect();
    }
  } finally {
    await session.close();
    await tasks.close();
    await backend.close();
  }
}, 30_000);
