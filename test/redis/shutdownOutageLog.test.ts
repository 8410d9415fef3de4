/**
 * Shutting down while Redis is away: each task's final write fails at once, and the log says so in
 * one line per task (the store guard's error message) instead of that error's stack, which points
 * into the guard and says nothing; the Redis error behind it is still logged by the guard, per call.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

let redis: RedisServer;
beforeAll(async () => {
  if (inject('redisUrl') === '') return; // no redis-server here: perTest.ts skips every test
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

it('logs one line per task whose end could not be stored at shutdown, naming the task', async () => {
  const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'down:' });
  const logged: unknown[][] = [];
  const tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    storeTimeout: 300,
    logger: { warn: () => {}, error: (...args: unknown[]) => void logged.push(args) },
  });
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'wait', { taskSupport: 'required' }, async (_args, task) => {
      await new Promise((resolve) => task.signal.addEventListener('abort', resolve));
      return { content: [] };
    });
  });
  try {
    const ids = [(await createTask(session.client, 'wait', {})).taskId, (await createTask(session.client, 'wait', {})).taskId];
    await redis.stop();
    await session.close();
    await tasks.close();
    for (const taskId of ids) {
      const lines = logged.filter((args) => String(args[0]).startsWith(`mcp-task-actors: storing task ${taskId} failed`));
      expect(lines).toEqual([
        [`mcp-task-actors: storing task ${taskId} failed: Task store unavailable: settle failed (details in the server log)`],
      ]);
    }
    // The details: what Redis said, for each failed call, from the store guard.
    const details = logged.filter((args) => args[0] === 'mcp-task-actors: task store call settle failed');
    expect(details).toHaveLength(2);
    for (const [, error] of details) expect((error as Error).message).toMatch(/^Redis settle failed: /);
  } finally {
    await backend.close();
    await redis.start();
  }
});
