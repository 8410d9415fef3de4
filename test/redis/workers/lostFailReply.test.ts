import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import type { TaskRecord } from '../../../src/index.js';
import type { ClusterCommand } from '../../../src/backends/TaskCluster.js';
import { createTask, eventually } from '../../support/harness.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { hook } from '../../support/redisInstances.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// A worker fails a task no actor runs (here: its version of the tool refuses the arguments the
// front's took) by a `failed` settle, tried again on a store error (WorkerLink.fail, takeRetries.ts).
// A first try that landed in Redis but whose reply was lost (the connection dropped after the
// write) made the retry find the task ended: refused, it told the task's front nothing, so the
// client never got the task's `failed` status notification. The retry that finds its own first
// try's end now tells the front, once.
const pools = useWorkerPools('lf');
const FRONT_SCHEMA = { n: z.number() };
const WORKER_SCHEMA = { n: z.string() };

/** A worker whose store's first `failed` settle lands and then errs as a lost reply does; records the status tells it sends. */
async function lostReplyWorker(s: PoolSplit, loseFirstReply: boolean, maxStatusMessageLength?: number) {
  const backend = await createRedisTaskBackend({
    url: s.url,
    prefix: s.prefix,
    instanceId: 'w1',
    ...(maxStatusMessageLength === undefined ? {} : { maxStatusMessageLength }),
  });
  s.later(() => backend.close());
  const settles: ('lost' | 'answered')[] = [];
  const store = hook(backend.store, 'settle', async (call) => {
    const settled = await call();
    if (loseFirstReply && settles.length === 0) {
      settles.push('lost');
      throw new Error('Connection is closed.');
    }
    settles.push('answered');
    return settled;
  });
  const told: TaskRecord[] = [];
  const cluster = hook(backend.cluster, 'tell', async (call, args) => {
    const command = args[2] as ClusterCommand;
    if (command.type === 'status') told.push(command.record);
    return call();
  });
  const tasks = new TaskSupport({ ...backend, store, cluster, placement: s.pool('worker'), logger: quiet });
  s.later(() => tasks.close());
  tasks.registerTool(
    new McpServer({ name: 'w1', version: '1' }),
    'job',
    { taskSupport: 'required', inputSchema: WORKER_SCHEMA },
    async () => ({
      content: [],
    }),
  );
  return { settles, told };
}

/** Creates a task the worker fails; resolves once its job completed (the worker's fail, tells included, is done). */
async function failedOnWorker(loseFirstReply: boolean, maxStatusMessageLength?: number) {
  const s = pools.split();
  const front = await s.front('job', { taskSupport: 'required', inputSchema: FRONT_SCHEMA });
  const worker = await lostReplyWorker(s, loseFirstReply, maxStatusMessageLength);
  const task = await createTask(front.session.client, 'job', { n: 1 });
  const jobs = s.jobs('job');
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
  const failedNotices = () =>
    front.session.notifications.filter(
      (n) => n.method === 'notifications/tasks/status' && (n.params as { taskId?: string; status?: string }).status === 'failed',
    );
  return { front, task, worker, failedNotices };
}

describe('a worker’s `failed` settle whose first try landed and lost its reply', () => {
  it('tells the task’s front once, and the client gets the failed status notification', async () => {
    const { front, task, worker, failedNotices } = await failedOnWorker(true);
    expect(worker.settles).toEqual(['lost', 'answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(stored?.status).toBe('failed');
    expect(stored?.statusMessage).toMatch(/^Invalid arguments for tool job: /);
    expect(worker.told).toEqual([stored]);
    await eventually(() => failedNotices().length > 0, 5_000);
    expect(failedNotices()).toHaveLength(1);
    expect(failedNotices()[0]!.params).toMatchObject({ taskId: task.taskId, status: 'failed', statusMessage: stored?.statusMessage });
  });

  it('tells the front too when the worker’s store cut the failure’s message', async () => {
    const { front, task, worker, failedNotices } = await failedOnWorker(true, 24);
    expect(worker.settles).toEqual(['lost', 'answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(stored?.statusMessage).toBe('Invalid arguments for t…');
    expect(worker.told).toEqual([stored]);
    await eventually(() => failedNotices().length > 0, 5_000);
    expect(failedNotices()).toHaveLength(1);
  });

  it('(guard) a settle answered at once tells the front once', async () => {
    const { front, task, worker, failedNotices } = await failedOnWorker(false);
    expect(worker.settles).toEqual(['answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(worker.told).toEqual([stored]);
    await eventually(() => failedNotices().length > 0, 5_000);
    expect(failedNotices()).toHaveLength(1);
  });
});
