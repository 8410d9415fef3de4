/**
 * On Redis a `tasks/result` sent as soon as the CreateTaskResult arrives reads the record over a
 * round trip, and short work settles within it. The answer brings the end; the task's own session
 * is not also pushed a `completed` status notification (issue 14: that notification was about a
 * fifth of the CPU of such a lifecycle on Redis). A task that nobody waits on is still notified.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';

let backend: RedisTaskBackend | undefined;
let tasks: TaskSupport | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.close();
  await tasks?.close();
  await backend?.close();
});

describe('tasks/result on Redis, sent at once', () => {
  it('answers the end of instant work without a completed notification to the same session', async () => {
    backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix: `rbe-${randomBytes(4).toString('hex')}:` });
    tasks = new TaskSupport({
      store: backend.store,
      queue: backend.queue,
      cluster: backend.cluster,
      logger: { warn: () => {}, error: () => {} },
      limits: { taskCreationRate: Infinity, taskOperationRate: Infinity },
    });
    const release = deferred();
    const support = tasks;
    session = await connectInMemory(support, (server) => {
      support.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'now' }] }));
      support.registerTool(server, 'later', { taskSupport: 'required' }, async () => {
        await release.promise;
        return { content: [{ type: 'text', text: 'later' }] };
      });
    });
    const { client, notifications } = session;
    const ended = (taskId: string): boolean =>
      notifications.some((n) => n.method === 'notifications/tasks/status' && (n.params as { taskId?: string }).taskId === taskId);

    const answered: string[] = [];
    for (let i = 0; i < 20; i++) {
      const task = await createTask(client, 'instant', {});
      expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'now' }]);
      answered.push(task.taskId);
    }
    // A task nobody waits on: its end is pushed, and marks the point by which the others' would have come.
    const marker = await createTask(client, 'later', {});
    release.resolve();
    await eventually(() => ended(marker.taskId));
    expect(answered.filter(ended)).toEqual([]);
  });
});
