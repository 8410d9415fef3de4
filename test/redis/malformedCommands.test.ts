/**
 * Messages on an instance's command channel that no instance sent: anyone with access to Redis can
 * PUBLISH there. Each is ignored; before, one without a `command` (or a `status` without its
 * record, an `answer` without its answer) threw inside ioredis's socket handler, an uncaught
 * exception that ends a server process. The instance then still takes a real command.
 */
import { afterEach, expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, eventually } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';

const redis = ownRedis();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('ignores a command message no instance sent, and still takes a real one', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  cleanups.push(() => void process.off('uncaughtException', onUncaught));

  const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'mal:', instanceId: 'a' });
  cleanups.push(() => backend.close());
  const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster, identify: () => 'alice' });
  cleanups.push(() => tasks.close());
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(
      server,
      'hang',
      { taskSupport: 'required' },
      (_args, task) => new Promise((_, reject) => task.signal.addEventListener('abort', () => reject(new Error('cancelled')))),
    ),
  );
  cleanups.push(() => session.close());
  const { taskId } = await createTask(session.client, 'hang', {});

  const channel = 'mal:instance:a';
  const forged = [
    'not json',
    'null',
    '[]',
    JSON.stringify({ taskId }),
    JSON.stringify({ taskId, command: null }),
    JSON.stringify({ taskId, command: { type: 'status' } }),
    JSON.stringify({ taskId, command: { type: 'answer', requestId: 'r1' } }),
    JSON.stringify({ taskId, command: { type: 'cancel' } }),
    JSON.stringify({ taskId: 7, command: { type: 'cancel', reason: 'x' } }),
  ];
  for (const message of forged) expect(await redis.admin.publish(channel, message)).toBe(1);

  // A real command after them is taken: published as an instance's cancel is, it ends the task here.
  expect(await redis.admin.publish(channel, JSON.stringify({ taskId, command: { type: 'cancel', reason: 'by a peer' } }))).toBe(1);
  await eventually(() => tasks.liveTaskActors === 0);
  expect((await tasks.store.get(taskId))?.status).toBe('cancelled');
  expect(uncaught).toEqual([]);
});
