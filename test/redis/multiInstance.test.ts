import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, deferred, eventually, taskResult } from '../support/harness.js';
import { bearerClient, startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { rpcError } from '../support/session.js';

const LEASE_MS = 1500;
let redis: RedisServer;
let a: DemoProcess;
let b: DemoProcess;
const clients: Client[] = [];

async function client(instance: DemoProcess, token = 'alice-token', options: { standalone?: boolean } = {}): Promise<Client> {
  const c = await bearerClient(instance.url, token, { elicitation: { form: {} } }, options);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  if (inject('redisUrl') === '') return; // no redis-server here: perTest.ts skips every test
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, MTA_PREFIX: 'multi:', MTA_LEASE_MS: String(LEASE_MS), DEMO_SECOND_MS: '100' };
  [a, b] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.dispose();
});

describe('two server instances on one Redis', () => {
  it('creates a task on A and serves tasks/get, tasks/list and tasks/result for it on B', async () => {
    const onA = await client(a);
    const onB = await client(b);
    const task = await createTask(onA, 'countdown', { seconds: 3 });
    expect((await onB.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    expect((await onB.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(task.taskId);
    const started = Date.now();
    const result = await taskResult(onB, task.taskId);
    expect(result.content).toEqual([{ type: 'text', text: 'countdown finished after 3 s' }]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('hides the task from another principal on either instance', async () => {
    const onA = await client(a);
    const mallory = await client(b, 'mallory-token');
    const task = await createTask(onA, 'countdown', { seconds: 1 });
    expect((await rpcError(mallory.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
    expect((await rpcError(mallory.experimental.tasks.cancelTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it('cancels through B a task that runs on A, and A stops its work', async () => {
    const onA = await client(a);
    const onB = await client(b);
    const task = await createTask(onA, 'countdown', { seconds: 600 });
    expect(await a.runs(task.taskId)).toBe(true);
    expect(await b.runs(task.taskId)).toBe(false);
    expect((await onB.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    await eventually(async () => !(await a.runs(task.taskId)), 5000);
    expect((await onA.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  });

  it('delivers A’s elicitation through B’s tasks/result and routes the answer from B back to A', async () => {
    // The session on A has no standalone stream (its GET is refused), so A cannot push the request:
    // it stays queued, and B's tasks/result takes it from the shared queue.
    const onA = await client(a, 'alice-token', { standalone: false });
    const onB = await client(b);
    onB.setRequestHandler(ElicitRequestSchema, (request) => {
      expect(request.params._meta?.['io.modelcontextprotocol/related-task']).toBeDefined();
      return { action: 'accept', content: { approved: true } };
    });
    const task = await createTask(onA, 'approve', { action: 'ship it' });
    await eventually(async () => (await onB.experimental.tasks.getTask(task.taskId)).status === 'input_required');
    expect((await taskResult(onB, task.taskId)).content).toEqual([{ type: 'text', text: 'approved: ship it' }]);
  });

  it('pushes A’s elicitation on A’s session stream once: B’s tasks/result, open meanwhile, does not ask again', async () => {
    const onA = await client(a);
    const onB = await client(b);
    const askedOnB: unknown[] = [];
    onB.setRequestHandler(ElicitRequestSchema, (request) => {
      askedOnB.push(request);
      return { action: 'decline' };
    });
    const release = deferred<void>();
    let askedOnA = 0;
    onA.setRequestHandler(ElicitRequestSchema, async (request) => {
      askedOnA++;
      expect(request.params._meta?.['io.modelcontextprotocol/related-task']).toBeDefined();
      await release.promise;
      return { action: 'accept', content: { approved: true } };
    });
    const task = await createTask(onA, 'approve', { action: 'ship it' });
    // Pushed once A's session polls the task (over HTTP a push could overtake the CreateTaskResult).
    await eventually(async () => (await onA.experimental.tasks.getTask(task.taskId)).status === 'input_required' && askedOnA === 1);
    const result = taskResult(onB, task.taskId);
    // B's tasks/result is open and waits on the shared queue: the pushed request is not in it.
    await new Promise((r) => setTimeout(r, 300));
    release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'approved: ship it' }]);
    expect(askedOnA).toBe(1);
    expect(askedOnB).toEqual([]);
  });
});

describe('an instance that dies', () => {
  it('has its waiting tasks failed by the survivor within the lease bound, and restartable ones rerun there', async () => {
    const env = { REDIS_URL: redis.url, MTA_PREFIX: 'multi:', MTA_LEASE_MS: String(LEASE_MS), DEMO_SECOND_MS: '100' };
    const doomed = await startDemoProcess(env);
    // No standalone stream on the doomed session: its elicitation stays queued, nobody answers it.
    const onDoomed = await client(doomed, 'alice-token', { standalone: false });
    const onB = await client(b);
    const waiting = await createTask(onDoomed, 'approve', { action: 'never answered' });
    const restartable = await createTask(onDoomed, 'countdown', { seconds: 20 });
    await eventually(async () => (await onB.experimental.tasks.getTask(waiting.taskId)).status === 'input_required');
    const result = rpcError(taskResult(onB, waiting.taskId));
    const killedAt = Date.now();
    await doomed.crash();

    const error = await result;
    const failedAfter = Date.now() - killedAt;
    expect(error.message).toContain('stopped before it finished');
    expect(failedAfter).toBeLessThan(LEASE_MS + 2000);
    expect((await onB.experimental.tasks.getTask(waiting.taskId)).status).toBe('failed');

    // The countdown starts over on the survivor and completes there.
    expect((await taskResult(onB, restartable.taskId)).content).toEqual([{ type: 'text', text: 'countdown finished after 20 s' }]);
    console.log(`crash → failed on survivor after ${failedAfter} ms (lease ${LEASE_MS} ms)`);
  }, 30_000);
});
