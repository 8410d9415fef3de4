/**
 * Issue 18, part 1, on Redis: the official requester (`@modelcontextprotocol/ext-tasks` 0.2.2, SDK v2
 * client, legacy era) drives two demo instances sharing one Redis, each through its own session.
 * The input requests are taken from the shared queue by the instance that runs the task and pushed
 * on its session's stream.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { closeRequestersAfterAll, drivesTheDemo } from '../support/extTasksRequester.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

let redis: RedisServer;
let a: DemoProcess;
let b: DemoProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, MTA_PREFIX: 'ext-tasks:', DEMO_SECOND_MS: '100' };
  [a, b] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
}, 60_000);

closeRequestersAfterAll();

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.dispose();
});

describe('ext-tasks (legacy era) drives the demo on Redis, instance A', () => drivesTheDemo(() => a));
describe('ext-tasks (legacy era) drives the demo on Redis, instance B', () => drivesTheDemo(() => b));
