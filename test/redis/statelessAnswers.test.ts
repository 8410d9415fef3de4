/**
 * Stateless elicitation and sampling across instances (issue 16): two demo processes started with
 * `--stateless` on one real Redis; the cases are in test/support/statelessCases.ts (the cluster
 * runs them too: test/redis/cluster/statelessAnswers.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { statelessInstanceCases } from '../support/statelessCases.js';
import type { StatelessScene } from '../support/statelessCases.js';

let redis: RedisServer;
let a: DemoProcess;
let b: DemoProcess;
let scene: StatelessScene;

beforeAll(async () => {
  if (inject('redisUrl') === '') return; // no redis-server here: perTest.ts skips every test
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, MTA_PREFIX: 'stateless:' };
  [a, b] = await Promise.all([startDemoProcess(env, ['--stateless']), startDemoProcess(env, ['--stateless'])]);
  scene = { a: a.url, b: b.url, clients: [], runsOnA: (taskId) => a.runs(taskId) };
}, 60_000);

afterEach(async () => {
  for (const client of scene?.clients.splice(0) ?? []) await client.close().catch(() => {});
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.dispose();
});

describe('stateless Streamable HTTP, two demo instances on one Redis', () => {
  it('says it serves statelessly on Redis', () => {
    expect(a.output()).toMatch(/stateless Streamable HTTP, Redis task store/);
  });

  statelessInstanceCases(() => scene);
});
