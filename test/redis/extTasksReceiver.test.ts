/**
 * Issue 18, part 2, on Redis: task-augmented requests to the official ext-tasks receiver, with two
 * demo instances sharing one Redis, each through its own session (the task's queue and records
 * live in Redis; the client task is followed by the instance that runs the server task).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { closeReceiversAfterAll, receivesClientTasks } from '../support/extTasksReceiver.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

let redis: RedisServer;
let a: DemoProcess;
let b: DemoProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, MTA_PREFIX: 'client-tasks:', DEMO_SECOND_MS: '100' };
  [a, b] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
}, 60_000);

closeReceiversAfterAll();

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.dispose();
});

describe('task-augmented requests to the ext-tasks receiver on Redis, instance A', () => receivesClientTasks(() => a));
describe('task-augmented requests to the ext-tasks receiver on Redis, instance B', () => receivesClientTasks(() => b));
