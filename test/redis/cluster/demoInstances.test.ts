import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { bearerClient, startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';
import { rpcError } from '../../support/session.js';

// The demo switched to a cluster by REDIS_CLUSTER_NODES alone: instances sharing tasks, commands
// and pub/sub wake-ups across the cluster's masters, and a crashed instance's tasks taken over.
const LEASE_MS = 1500;
let env: Record<string, string>;
let a: DemoProcess;
let b: DemoProcess;
const clients: Client[] = [];

async function client(instance: DemoProcess, options: { standalone?: boolean } = {}): Promise<Client> {
  const c = await bearerClient(instance.url, 'alice-token', { elicitation: { form: {} } }, options);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  env = {
    REDIS_CLUSTER_NODES: inject('redisClusterNodes').join(','),
    MTA_PREFIX: `demo${randomBytes(4).toString('hex')}:`,
    MTA_LEASE_MS: String(LEASE_MS),
    DEMO_SECOND_MS: '100',
  };
  [a, b] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('demo instances on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('says it runs on the cluster, and serves on B a task created on A, result woken across instances', async () => {
    expect(a.output()).toContain('Redis Cluster task store');
    const onA = await client(a);
    const onB = await client(b);
    const task = await createTask(onA, 'countdown', { seconds: 3 });
    expect((await onB.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    expect((await onB.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(task.taskId);
    const started = Date.now();
    expect((await taskResult(onB, task.taskId)).content).toEqual([{ type: 'text', text: 'countdown finished after 3 s' }]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cancels through B a task running on A, and routes an elicitation answer from B back to A', async () => {
    const onA = await client(a);
    const onB = await client(b);
    const long = await createTask(onA, 'countdown', { seconds: 600 });
    expect(await a.runs(long.taskId)).toBe(true);
    expect((await onB.experimental.tasks.cancelTask(long.taskId)).status).toBe('cancelled');
    await eventually(async () => !(await a.runs(long.taskId)), 5000);
    onB.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { approved: true } }));
    // A session without a standalone stream: A cannot push the request, so it stays queued and B's
    // tasks/result takes it from the shared queue (the path this test is about).
    const quietA = await client(a, { standalone: false });
    const asking = await createTask(quietA, 'approve', { action: 'ship it' });
    await eventually(async () => (await onB.experimental.tasks.getTask(asking.taskId)).status === 'input_required');
    expect((await taskResult(onB, asking.taskId)).content).toEqual([{ type: 'text', text: 'approved: ship it' }]);
  });

  it('fails a crashed instance’s waiting task on the survivor within the lease bound', { timeout: 30_000 }, async () => {
    const doomed = await startDemoProcess(env);
    // No standalone stream on the doomed session: its elicitation stays queued, nobody answers it.
    const onDoomed = await client(doomed, { standalone: false });
    const onB = await client(b);
    const waiting = await createTask(onDoomed, 'approve', { action: 'never answered' });
    await eventually(async () => (await onB.experimental.tasks.getTask(waiting.taskId)).status === 'input_required');
    const result = rpcError(taskResult(onB, waiting.taskId));
    const killedAt = Date.now();
    await doomed.crash();
    expect((await result).message).toContain('stopped before it finished');
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 2000);
  });
});
