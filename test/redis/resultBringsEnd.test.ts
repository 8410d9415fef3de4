/**
 * On Redis a `tasks/result` sent as soon as the CreateTaskResult arrives reads the record over a
 * round trip, and short work settles within it. The answer brings the end; the task's own session
 * is not also pushed a `completed` status notification (issue 14: that notification was about a
 * fifth of the CPU of such a lifecycle on Redis). A task that nobody waits on is still notified.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { createTask, deferred, eventually, newServer, taskResult } from '../support/harness.js';

let backend: RedisTaskBackend | undefined;
let tasks: TaskSupport | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
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
    const server = newServer();
    tasks.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'now' }] }));
    const release = deferred();
    tasks.registerTool(server, 'later', { taskSupport: 'required' }, async () => {
      await release.promise;
      return { content: [{ type: 'text', text: 'later' }] };
    });
    tasks.enable(server);
    client = new Client({ name: 'client', version: '1.0.0' }, { capabilities: {} });
    const statuses: Task[] = [];
    client.fallbackNotificationHandler = async (n) => {
      if (n.method === 'notifications/tasks/status') statuses.push(n.params as Task);
    };
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);

    const answered: string[] = [];
    for (let i = 0; i < 20; i++) {
      const task = await createTask(client, 'instant', {});
      expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'now' }]);
      answered.push(task.taskId);
    }
    // A task nobody waits on: its end is pushed, and marks the point by which the others' would have come.
    const marker = await createTask(client, 'later', {});
    release.resolve();
    await eventually(() => statuses.some((s) => s.taskId === marker.taskId && s.status === 'completed'));
    expect(statuses.filter((s) => answered.includes(s.taskId))).toEqual([]);
  });
});
