/**
 * A task's status notifications come from the instance that runs it, since that instance holds the
 * client's session. When another instance ends the task (a tasks/cancel it received; its settle
 * won the race against the runner's own), the runner's settle is refused by the store, and the
 * client must still hear how the task ended, as it would in memory.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CancelTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { createTask, deferred, eventually, newServer, taskResult } from '../support/harness.js';

interface Instance {
  backend: RedisTaskBackend;
  tasks: TaskSupport;
  client: Client;
  statuses: Task[];
}

const open: Instance[] = [];
/** The work of the `hold` tool: it returns when the test says so (or ends with its signal). */
let release = deferred();

async function instance(prefix: string, name: string): Promise<Instance> {
  const backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix, instanceId: `${name}-${prefix}` });
  const tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    pollInterval: 10,
    identify: () => 'one-caller',
    logger: { warn: () => {}, error: () => {} },
    limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity },
  });
  const server = newServer();
  tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async (_args, task) => {
    await Promise.race([release.promise, new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }))]);
    return { content: [{ type: 'text', text: 'done' }] };
  });
  tasks.enable(server);
  const client = new Client({ name: 'client', version: '1.0.0' }, { capabilities: {} });
  const statuses: Task[] = [];
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/tasks/status') statuses.push(n.params as Task);
  };
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  const made = { backend, tasks, client, statuses };
  open.push(made);
  return made;
}

/** Two instances on one key prefix; the same caller is connected to both. */
async function twoInstances(): Promise<[Instance, Instance]> {
  release = deferred();
  const prefix = `elsewhere${randomBytes(4).toString('hex')}:`;
  return [await instance(prefix, 'a'), await instance(prefix, 'b')];
}

afterEach(async () => {
  release.resolve();
  for (const { client, tasks, backend } of open.splice(0)) {
    await client.close();
    await tasks.close();
    await backend.close();
  }
});

describe('a task ended by another instance', () => {
  it('a tasks/cancel sent through the other instance reaches the owner session as a cancelled status notification', async () => {
    const [a, b] = await twoInstances();
    const task = await createTask(a.client, 'hold', {});
    expect(a.tasks.taskActor(task.taskId), 'a runs the task').toBeDefined();

    const reply = await b.client.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
    expect(reply.status).toBe('cancelled');

    await eventually(() => a.statuses.some((s) => s.taskId === task.taskId));
    expect(a.statuses.map((s) => [s.status, s.statusMessage])).toEqual([['cancelled', 'Cancelled by the client']]);
    // The stored record is what the owner heard; the other session (no task of its own there) heard nothing.
    expect(a.statuses[0]).toMatchObject({ taskId: task.taskId, ttl: task.ttl, createdAt: task.createdAt });
    expect(b.statuses).toEqual([]);
    await expect(taskResult(a.client, task.taskId)).rejects.toMatchObject({ code: -32603, data: { status: 'cancelled' } });
  });

  it('when the work returns after another instance settled the task, the owner hears the stored end, not silence', async () => {
    const [a, b] = await twoInstances();
    const task = await createTask(a.client, 'hold', {});
    // Another instance's cancel has settled the record, and its command to the runner is still on
    // the way when the work returns: the runner's `completed` loses to the stored `cancelled`.
    const settled = await b.backend.store.settle(task.taskId, 'cancelled', 'Cancelled elsewhere', {
      type: 'error',
      error: { code: -32603, message: 'cancelled', data: { taskId: task.taskId, status: 'cancelled' } },
    });
    expect(settled?.status).toBe('cancelled');
    release.resolve();

    await eventually(() => a.statuses.some((s) => s.taskId === task.taskId));
    expect(a.statuses.map((s) => [s.status, s.statusMessage])).toEqual([['cancelled', 'Cancelled elsewhere']]);
    await eventually(() => a.tasks.liveTaskActors === 0);
    expect(a.statuses, 'nothing after the end').toHaveLength(1);
  });
});
