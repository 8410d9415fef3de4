/**
 * Stateless serving across instances: two SDK v2 servers (each `createMcpHandler`, its own
 * TaskSupport, its own HTTP port) on one Redis. A task created through A is read, answered
 * (an elicitation, through tasks/update) and cancelled through B; the work keeps running on A.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { startRedisServer } from '../../support/redisServer.js';
import type { RedisServer } from '../../support/redisServer.js';
import { skipWithout } from '../../support/prerequisites.js';
import { TASKS_EXTENSION, modernClient, rawModernRequest, statelessV2Server } from './harness.js';

const anyResult = z.looseObject({});
const alice = { token: 'alice-token', clientId: 'alice', scopes: [] };
const cleanups: (() => Promise<void>)[] = [];
let redis: RedisServer;
let urlA: URL;
let onB: Client;

function tools(tasks: TaskSupport) {
  return (server: McpServer): void => {
    tasks.registerTool(server, 'approve', { taskSupport: 'required', inputSchema: { item: z.string() } }, async ({ item }, task) => {
      const answer = await task.elicit({
        message: `Approve ${item}?`,
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
      });
      return { content: [{ type: 'text', text: `${item}: ${answer.action}` }] };
    });
  };
}

async function instance(): Promise<URL> {
  const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'v2stateless:' });
  const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster });
  const server = await statelessV2Server(tasks, tools(tasks), alice);
  cleanups.push(
    () => backend.close(),
    () => tasks.close(),
    () => server.close(),
  );
  return server.url;
}

const noRedis = skipWithout('redis-server', 'test/sdk/v2/statelessRedis.test.ts');

beforeAll(async () => {
  if (noRedis) return;
  redis = await startRedisServer();
  urlA = await instance();
  const urlB = await instance();
  onB = await modernClient(urlB, true);
  cleanups.push(() => onB.close());
}, 30_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await redis?.dispose();
});

async function pollOnB(taskId: string, done: (task: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const task = await onB.request({ method: 'tasks/get', params: { taskId } }, anyResult);
    if (done(task)) return task;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`task ${taskId} never reached the expected state`);
}

describe.skipIf(noRedis)('two stateless SDK v2 instances on one Redis', () => {
  test('created on A; tasks/get, tasks/update (answering the elicitation) on B; the result shows on B', async () => {
    const capabilities = { elicitation: { form: {} }, extensions: { [TASKS_EXTENSION]: {} } };
    // The raw request carries no bearer token: the handler's authInfo stands for the principal (both instances).
    const created = await rawModernRequest(urlA, 'tools/call', { name: 'approve', arguments: { item: 'invoice' } }, capabilities);
    const taskId = created.result!['taskId'] as string;
    const waiting = await pollOnB(taskId, (task) => task['status'] === 'input_required');
    const [key] = Object.keys(waiting['inputRequests'] as object);
    await onB.request(
      { method: 'tasks/update', params: { taskId, inputResponses: { [key!]: { action: 'accept', content: { ok: true } } } } },
      anyResult,
    );
    expect(await pollOnB(taskId, (task) => task['status'] === 'completed')).toMatchObject({
      result: { content: [{ type: 'text', text: 'invoice: accept' }] },
    });
  });

  test('created on A, cancelled on B', async () => {
    const created = await rawModernRequest(
      urlA,
      'tools/call',
      { name: 'approve', arguments: { item: 'order' } },
      {
        elicitation: { form: {} },
        extensions: { [TASKS_EXTENSION]: {} },
      },
    );
    const taskId = created.result!['taskId'] as string;
    await pollOnB(taskId, (task) => task['status'] === 'input_required');
    await onB.request({ method: 'tasks/cancel', params: { taskId } }, anyResult);
    expect(await pollOnB(taskId, (task) => task['status'] === 'cancelled')).toMatchObject({ taskId, status: 'cancelled' });
  });
});
