import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import type { TaskRecord } from '../../../src/index.js';
import type { ClusterCommand, ClusterHandlers, TaskCluster } from '../../../src/backends/TaskCluster.js';
import { createTask, eventually } from '../../support/harness.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { hook } from '../../support/redisInstances.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// A worker fails a task no actor runs (here: its version of the tool refuses the arguments the
// front's took) by a `failed` settle, tried again on a store error (WorkerLink.fail, takeRetries.ts).
// A first try that landed in Redis but whose reply was lost (the connection dropped after the
// write) made the retry find the task ended: refused, it told the task's front nothing, so the
// client never got the task's `failed` status notification. A retry refused after a try that erred
// now tells the front whatever `failed` end is stored, its own first try's or another writer's (its
// message is not compared: a store may have cut it); the front passes a repeated end on once, so
// the client gets one `failed` notification either way.
const pools = useWorkerPools('lf');
const FRONT_SCHEMA = { n: z.number() };
const WORKER_SCHEMA = { n: z.string() };

/**
 * How the worker's first `failed` settle goes: it lands and errs as a lost reply does (`lost`), is
 * answered (`answered`), or errs without landing once `otherWriterFirst` has failed the task.
 */
type FirstTry = 'lost' | 'answered' | { otherWriterFirst: (taskId: string) => Promise<void> };

/** A worker whose store's first `failed` settle goes as `first` says; records the status tells it sends. */
async function lostReplyWorker(s: PoolSplit, first: FirstTry, maxStatusMessageLength?: number) {
  const backend = await createRedisTaskBackend({
    url: s.url,
    prefix: s.prefix,
    instanceId: 'w1',
    ...(maxStatusMessageLength === undefined ? {} : { maxStatusMessageLength }),
  });
  s.later(() => backend.close());
  const settles: ('lost' | 'answered' | 'erred')[] = [];
  const store = hook(backend.store, 'settle', async (call, args) => {
    if (typeof first === 'object' && settles.length === 0) {
      await first.otherWriterFirst(args[0] as string);
      settles.push('erred');
      throw new Error('Connection is closed.');
    }
    const settled = await call();
    if (first === 'lost' && settles.length === 0) {
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

/** `cluster`, recording every command it is handed (after its handler took it). */
function hearing(cluster: TaskCluster, heard: ClusterCommand[]): TaskCluster {
  return hook(cluster, 'start', async (_call, args) => {
    const handlers = args[0] as ClusterHandlers;
    return cluster.start({
      command: (taskId, command) => {
        handlers.command(taskId, command);
        heard.push(command);
      },
      orphaned: (taskId) => handlers.orphaned(taskId),
      lost: (taskId) => handlers.lost(taskId),
    });
  });
}

/**
 * Another writer of the task's end (another runner, say): it fails the task in its own store and
 * tells the front, as a worker does. Resolves with what it stored.
 */
async function otherWriter(s: PoolSplit) {
  const other = await s.backend('other');
  const stored: TaskRecord[] = [];
  const write = async (taskId: string): Promise<void> => {
    const message = 'Failed by another writer';
    const record = await other.store.settle(taskId, 'failed', message, {
      type: 'error',
      error: { code: ErrorCode.InternalError, message },
    });
    if (!record) throw new Error(`the other writer could not fail task ${taskId}`);
    stored.push(record);
    await other.cluster.tell?.('front', taskId, { type: 'status', record });
  };
  return { write, stored };
}

/** Creates a task the worker fails; resolves once its job completed (the worker's fail, tells included, is done). */
async function failedOnWorker(first: FirstTry | ((s: PoolSplit) => Promise<FirstTry>), maxStatusMessageLength?: number) {
  const s = pools.split();
  const base = await s.backend('front');
  // The commands the front took in (the status tells).
  const heard: ClusterCommand[] = [];
  const backend = { ...base, cluster: hearing(base.cluster, heard) };
  const front = await s.front('job', { taskSupport: 'required', inputSchema: FRONT_SCHEMA }, { backend });
  const worker = await lostReplyWorker(s, typeof first === 'function' ? await first(s) : first, maxStatusMessageLength);
  const task = await createTask(front.session.client, 'job', { n: 1 });
  const jobs = s.jobs('job');
  await eventually(async () => (await jobs.getJobState(task.taskId)) === 'completed', 10_000);
  const failedNotices = () =>
    front.session.notifications.filter(
      (n) => n.method === 'notifications/tasks/status' && (n.params as { taskId?: string; status?: string }).status === 'failed',
    );
  return { front, task, worker, failedNotices, heard };
}

describe('a worker’s `failed` settle whose first try landed and lost its reply', () => {
  it('tells the task’s front once, and the client gets the failed status notification', async () => {
    const { front, task, worker, failedNotices } = await failedOnWorker('lost');
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
    const { front, task, worker, failedNotices } = await failedOnWorker('lost', 24);
    expect(worker.settles).toEqual(['lost', 'answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(stored?.statusMessage).toBe('Invalid arguments for t…');
    expect(worker.told).toEqual([stored]);
    await eventually(() => failedNotices().length > 0, 5_000);
    expect(failedNotices()).toHaveLength(1);
  });

  it('(guard) a settle answered at once tells the front once', async () => {
    const { front, task, worker, failedNotices } = await failedOnWorker('answered');
    expect(worker.settles).toEqual(['answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(worker.told).toEqual([stored]);
    await eventually(() => failedNotices().length > 0, 5_000);
    expect(failedNotices()).toHaveLength(1);
  });

  it('tells the front the end another writer stored first, and the client gets one failed notification', async () => {
    let other: Awaited<ReturnType<typeof otherWriter>> | undefined;
    const { front, task, worker, failedNotices, heard } = await failedOnWorker(async (s) => {
      other = await otherWriter(s);
      return { otherWriterFirst: other.write };
    });
    expect(worker.settles).toEqual(['erred', 'answered']);
    const stored = await front.backend.store.get(task.taskId);
    expect(stored).toEqual(other?.stored[0]);
    expect(stored?.statusMessage).toBe('Failed by another writer');
    // Refused, the worker's retry told the stored end though its own failure reads otherwise.
    expect(worker.told).toEqual([stored]);
    // The front took in both tells of that end (the other writer's and the worker's) ...
    await eventually(() => heard.filter((command) => command.type === 'status').length === 2, 5_000);
    expect(heard).toEqual([
      { type: 'status', record: stored },
      { type: 'status', record: stored },
    ]);
    // ... and a request after them comes back after any notification they sent (one in-memory link, in order).
    await front.session.client.ping();
    expect(failedNotices()).toHaveLength(1);
    expect(failedNotices()[0]!.params).toMatchObject({ taskId: task.taskId, status: 'failed', statusMessage: 'Failed by another writer' });
  });
});
