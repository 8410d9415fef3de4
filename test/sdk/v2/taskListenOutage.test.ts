/**
 * A task subscription (`subscriptions/listen` with `taskIds`, 2026-07-28) asked for while the Redis
 * store is down: the server cannot tell whether the ids are the caller's, so the listen is answered
 * the store's -32603, as `tasks/get` is then, and holds nothing; once Redis is back the same listen
 * is acknowledged and followed to the task's end. Before, the id was left out of the acknowledgement
 * as if the task did not exist. A real redis-server (its own, stopped and started here), a stateless
 * SDK v2 server and raw HTTP listens.
 */
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import type { TaskEngine } from '../../../src/engine/TaskEngine.js';
import { openListenCount } from '../../../src/protocol/tasksExtension/listen.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { eventually } from '../../support/harness.js';
import { skipWithout } from '../../support/prerequisites.js';
import { startRedisServer } from '../../support/redisServer.js';
import type { RedisServer } from '../../support/redisServer.js';
import { rawModernRequest, serveFetch } from './harness.js';
import { acknowledged, rawListen } from './rawListen.js';
import type { RawListen } from './rawListen.js';

const noRedis = skipWithout('redis-server', 'test/sdk/v2/taskListenOutage.test.ts');
let redis: RedisServer;
/** Whether a test stopped Redis and has not started it again (start() on a running server would spawn a second one). */
let stopped = false;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!noRedis) redis = await startRedisServer();
}, 30_000);

afterEach(async () => {
  // Redis back first: closing the TaskSupport stores its tasks' ends.
  if (stopped) await redis.start();
  stopped = false;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await redis?.dispose();
});

describe.skipIf(noRedis)('a task subscription asked for while the store is down', () => {
  test('is answered -32603 and holds nothing; the same listen once Redis is back is acknowledged and followed', async () => {
    const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'listenOutage:' });
    const errors: unknown[] = [];
    const logger = { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) };
    const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, storeTimeout: 300, logger });
    cleanups.push(
      () => backend.close(),
      () => tasks.close(),
    );
    let finish: () => void = () => {};
    const handler = createMcpHandler(() => {
      const server = new McpServer({ name: 'listen-outage', version: '1.0.0' });
      tasks.registerTool(server, 'wait', { taskSupport: 'required' }, async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return { content: [{ type: 'text', text: 'done' }] };
      });
      return server;
    });
    const wrapped = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
    const served = await serveFetch((request) => wrapped(request));
    cleanups.push(async () => {
      await handler.close();
      await served.close();
    });
    const listens: RawListen[] = [];
    cleanups.push(() => listens.forEach((listen) => listen.close()));

    const created = await rawModernRequest(served.url, 'tools/call', { name: 'wait', arguments: {} });
    const taskId = created.result!['taskId'] as string;

    await redis.stop();
    stopped = true;
    const during = await rawListen(served.url, [taskId]);
    listens.push(during);
    expect(during.status).toBe(200);
    expect(await during.next()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32603, message: expect.stringMatching(/^Task store unavailable/) },
    });
    // TaskSupport keeps its engine private; read here for the open-subscription count.
    const engine = (tasks as unknown as { engine: TaskEngine }).engine;
    expect(openListenCount(engine, 'anonymous')).toBe(0);

    await redis.start();
    stopped = false;
    // The command connection reconnects on its own schedule: ask again until the store answers.
    let after: RawListen | undefined;
    await eventually(async () => {
      const attempt = await rawListen(served.url, [taskId]);
      listens.push(attempt);
      const first = await attempt.next();
      if ('error' in first) return false;
      expect(first).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { notifications: { taskIds: [taskId] } } });
      after = attempt;
      return true;
    }, 10_000);
    expect(await after!.next()).toMatchObject({ method: 'notifications/tasks', params: { taskId, status: 'working' } });
    finish();
    expect(await after!.next()).toMatchObject({
      method: 'notifications/tasks',
      params: { taskId, status: 'completed', result: { content: [{ type: 'text', text: 'done' }] } },
    });
    // The outage was logged server-side, not sent to the client.
    expect(errors.length).toBeGreaterThan(0);
  }, 30_000);

  test('an unknown id next to the caller’s own is still left out while the store answers', async () => {
    const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'listenOutage2:' });
    const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, storeTimeout: 300 });
    cleanups.push(
      () => backend.close(),
      () => tasks.close(),
    );
    const handler = createMcpHandler(() => {
      const server = new McpServer({ name: 'listen-outage', version: '1.0.0' });
      tasks.registerTool(server, 'quick', { taskSupport: 'required' }, async () => ({ content: [] }));
      return server;
    });
    const wrapped = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
    const served = await serveFetch((request) => wrapped(request));
    cleanups.push(async () => {
      await handler.close();
      await served.close();
    });
    const created = await rawModernRequest(served.url, 'tools/call', { name: 'quick', arguments: {} });
    const taskId = created.result!['taskId'] as string;
    const listen = await rawListen(served.url, ['no-such-task', taskId]);
    cleanups.push(() => listen.close());
    expect(await acknowledged(listen)).toEqual([taskId]);
  }, 30_000);
});
