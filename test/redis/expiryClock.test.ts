/**
 * A task is gone for clients at createdAt + ttl by the clock of the instance they ask, on every
 * instance, even while its record is still in Redis: the runner deletes it at that deadline, but the
 * delete lands a round trip later elsewhere, and Redis's own expiry (PEXPIREAT, kept as garbage
 * collection) follows Redis's clock. Here only Date is faked, so the runner's expiry timer (a minute
 * of real time) has not fired: the record stays, and what the clients see is the rule alone.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CancelTaskResultSchema, GetTaskResultSchema, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { createTask, newServer, taskResult } from '../support/harness.js';

const TTL = 60_000;
const open: { client: Client; tasks: TaskSupport; backend: RedisTaskBackend }[] = [];

async function instance(prefix: string, name: string): Promise<Client> {
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
  tasks.registerTool(
    server,
    'hold',
    { taskSupport: 'required' },
    (_args, task) => new Promise((resolve) => task.signal.addEventListener('abort', () => resolve({ content: [] }))),
  );
  tasks.enable(server);
  const client = new Client({ name: 'client', version: '1.0.0' }, { capabilities: {} });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push({ client, tasks, backend });
  return client;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const { client, tasks, backend } of open.splice(0)) {
    await client.close();
    await tasks.close();
    await backend.close();
  }
});

async function statusOf(client: Client, taskId: string): Promise<string> {
  return client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema).then(
    (task) => task.status,
    (error: { code?: number }) => `error ${error.code}`,
  );
}

async function listed(client: Client): Promise<string[]> {
  return (await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks.map((t) => t.taskId);
}

describe('the ttl by the clock of the instance asked', () => {
  it('tasks/get, tasks/list, tasks/result and tasks/cancel agree on both instances from the deadline on, while Redis still holds the record', async () => {
    const prefix = `clock${randomBytes(4).toString('hex')}:`;
    const [a, b] = [await instance(prefix, 'a'), await instance(prefix, 'b')];
    // Only Date: the Redis clients, the transports and the runner's expiry timer keep real time.
    vi.useFakeTimers({ toFake: ['Date'] });
    const task = await createTask(a, 'hold', {}, TTL);

    vi.setSystemTime(Date.parse(task.createdAt) + TTL - 1);
    for (const client of [a, b]) {
      expect(await statusOf(client, task.taskId)).toBe('working');
      expect(await listed(client)).toEqual([task.taskId]);
    }

    vi.setSystemTime(Date.parse(task.createdAt) + TTL);
    const raw = new Redis(inject('redisUrl'));
    try {
      expect(await raw.exists(`${prefix}{${task.taskId}}:task`), 'the record is still stored').toBe(1);
    } finally {
      raw.disconnect();
    }
    for (const client of [a, b]) {
      expect(await statusOf(client, task.taskId)).toBe('error -32602');
      expect(await listed(client)).toEqual([]);
      await expect(taskResult(client, task.taskId)).rejects.toMatchObject({ code: -32602 });
      await expect(
        client.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema),
      ).rejects.toMatchObject({
        code: -32602,
      });
    }
  });
});
