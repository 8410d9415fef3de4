import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { bearerClient, startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';
import { startWorkerProcess } from '../../support/workerProcess.js';
import type { WorkerProcess } from '../../support/workerProcess.js';

// Fronts and workers as separate demo processes (`npm start -- --role front|worker`) on the real
// redis-server of globalSetup; each test has its own key prefix, so its jobs reach only its workers.
const LOCK_MS = 1_000;
const STALLED_MS = 500;
const WAITING = 'Waiting for a worker';

const processes: { stop(): Promise<void> }[] = [];
const clients: Client[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const cleanup of cleanups) await cleanup();
  await Promise.all(processes.map((p) => p.stop()));
}, 30_000);

function env(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: inject('redisUrl'),
    MTA_PREFIX: prefix,
    DEMO_SECOND_MS: '100',
    MTA_LOCK_MS: String(LOCK_MS),
    MTA_STALLED_MS: String(STALLED_MS),
    ...extra,
  };
}

function prefix(): string {
  return `w${randomBytes(4).toString('hex')}:`;
}

async function front(vars: Record<string, string>): Promise<DemoProcess> {
  const started = await startDemoProcess(vars, ['--role', 'front']);
  processes.push(started);
  return started;
}

async function worker(vars: Record<string, string>): Promise<WorkerProcess> {
  const started = await startWorkerProcess(vars);
  processes.push(started);
  return started;
}

async function client(instance: DemoProcess): Promise<Client> {
  const c = await bearerClient(instance.url, 'alice-token', { elicitation: { form: {} } });
  // Nobody answers: an `approve` task keeps waiting for input.
  c.setRequestHandler(ElicitRequestSchema, () => new Promise<never>(() => {}));
  clients.push(c);
  return c;
}

describe('worker pools: a front stores tasks, BullMQ workers in other processes run them', () => {
  it('a front with no worker keeps a task working; a worker started 3 s later runs it to completion', async () => {
    const vars = env(prefix());
    const mcp = await client(await front(vars));
    const task = await createTask(mcp, 'countdown', { seconds: 5 });
    await new Promise((r) => setTimeout(r, 3_000));
    const waiting = await mcp.experimental.tasks.getTask(task.taskId);
    expect(waiting.status).toBe('working');
    expect(waiting.statusMessage).toBe(WAITING);

    await worker(vars);
    const result = await taskResult(mcp, task.taskId);
    expect(result.content).toEqual([{ type: 'text', text: 'countdown finished after 5 s' }]);
    expect((await mcp.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
  }, 120_000);

  it("the front's live view shows each tool queue's waiting jobs and which worker runs each task", async () => {
    const vars = env(prefix());
    const entry = await front(vars);
    const mcp = await client(entry);
    const task = await createTask(mcp, 'countdown', { seconds: 100 });
    expect(await (await fetch(`${entry.base}/tasks`)).text()).toContain('id="pool"');
    const events = poolEvents(`${entry.base}/tasks/events`);
    try {
      const queued = await events.until((queues) => queues.some((q) => q.tool === 'countdown' && q.waiting === 1));
      expect(queued.find((q) => q.tool === 'countdown')!.active).toEqual([]);
      const started = await worker(vars);
      const running = await events.until((queues) => queues.some((q) => q.tool === 'countdown' && q.active.length === 1));
      const countdown = running.find((q) => q.tool === 'countdown')!;
      expect(countdown.waiting).toBe(0);
      // The worker's default name: `<hostname>:<pid>` of the process that runs the work.
      expect(countdown.active).toEqual([{ taskId: task.taskId, worker: `${hostname()}:${started.child.pid}` }]);
    } finally {
      events.close();
    }
    await mcp.experimental.tasks.cancelTask(task.taskId);
  }, 120_000);

  it('kill -9 of a worker mid-task: a restartable task completes on another worker, another one fails, both within the stalled check', async () => {
    const vars = env(prefix());
    const [entry, first] = await Promise.all([front(vars), worker(vars)]);
    const mcp = await client(entry);
    const restartable = await createTask(mcp, 'countdown', { seconds: 100 });
    const asking = await createTask(mcp, 'approve', { action: 'deploy' });
    await eventually(async () => /s left$/.test((await mcp.experimental.tasks.getTask(restartable.taskId)).statusMessage ?? ''), 10_000);
    await eventually(async () => (await mcp.experimental.tasks.getTask(asking.taskId)).status === 'input_required', 10_000).catch(
      async (error: unknown) => {
        console.log(first.output(), await mcp.experimental.tasks.getTask(asking.taskId));
        throw error;
      },
    );
    // Its countdown seconds four times shorter: the run it starts anew (from 100) ends in 2.5 s, not 10.
    const second = await worker({ ...vars, DEMO_SECOND_MS: '25' });

    const left = async (): Promise<number> =>
      Number(/^(\d+) s left$/.exec((await mcp.experimental.tasks.getTask(restartable.taskId)).statusMessage ?? '')?.[1] ?? NaN);
    const leftBeforeKill = await left();
    expect(leftBeforeKill).toBeLessThan(100);
    await first.crash();
    const killedAt = Date.now();
    await eventually(async () => (await mcp.experimental.tasks.getTask(asking.taskId)).status === 'failed', 10_000).catch(
      async (error: unknown) => {
        console.log(
          second.output(),
          await mcp.experimental.tasks.getTask(asking.taskId),
          await mcp.experimental.tasks.getTask(restartable.taskId),
        );
        throw error;
      },
    );
    const failedAfter = Date.now() - killedAt;
    const failed = await mcp.experimental.tasks.getTask(asking.taskId);
    expect(failed.statusMessage).toBe('The worker running this task stopped before it finished');
    // Counting down from the start again: the second worker runs it anew.
    await eventually(async () => (await left()) > leftBeforeKill + 2, 10_000);
    const restartedAfter = Date.now() - killedAt;
    console.log(
      `worker kill -9 (lock ${LOCK_MS} ms, stalled check ${STALLED_MS} ms): non-restartable failed after ${failedAfter} ms, restartable running again after ${restartedAfter} ms`,
    );
    // Found by BullMQ's stalled check: the lock runs out, then the next check moves the job on.
    expect(failedAfter).toBeLessThan(LOCK_MS + 2 * STALLED_MS + 2_000);
    const result = await taskResult(mcp, restartable.taskId);
    expect(result.content).toEqual([{ type: 'text', text: 'countdown finished after 100 s' }]);
  }, 120_000);

  it('cancel on the front aborts the work on the worker within 200 ms', async () => {
    const pre = prefix();
    const vars = env(pre);
    const mcp = await client(await front(vars));
    // The worker in this process, so the test sees the moment its work's signal aborts.
    const backend = await createRedisTaskBackend({ url: vars.REDIS_URL!, prefix: pre });
    const pool = createWorkerPool({
      role: 'worker',
      connection: { ...redisHostPort(vars.REDIS_URL!), maxRetriesPerRequest: null },
      prefix: `${pre}jobs`,
    });
    const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster, placement: pool });
    cleanups.push(async () => {
      await tasks.close();
      await backend.close();
    });
    let started = false;
    let abortedAt = 0;
    tasks.registerTool(
      new McpServer({ name: 'worker', version: '1' }),
      'countdown',
      { taskSupport: 'optional', restartable: true, inputSchema: { seconds: z.number() } },
      async (_args, task) => {
        started = true;
        await new Promise<void>((resolve) =>
          task.signal.addEventListener('abort', () => {
            abortedAt = Date.now();
            resolve();
          }),
        );
        return { content: [{ type: 'text', text: 'stopped' }] };
      },
    );
    const task = await createTask(mcp, 'countdown', { seconds: 600 });
    await eventually(() => started, 10_000);
    const cancelledAt = Date.now();
    await mcp.experimental.tasks.cancelTask(task.taskId);
    await eventually(() => abortedAt > 0, 2_000);
    console.log(`cancel on the front → work signal aborted on the worker after ${abortedAt - cancelledAt} ms`);
    expect(abortedAt - cancelledAt).toBeLessThan(200);
    expect((await mcp.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  }, 120_000);

  it('global concurrency 2 for a tool with 3 workers: never more than 2 of its tasks running at once', async () => {
    const pre = prefix();
    const vars = env(pre, { MTA_GLOBAL_CONCURRENCY: 'countdown:2' });
    const [entry] = await Promise.all([front(vars), worker(vars), worker(vars), worker(vars)]);
    const mcp = await client(entry);
    // BullMQ's own count of the tool's active jobs: one atomic read, unlike six tasks/get in a row.
    const queue = new Queue('tool-countdown', { connection: redisHostPort(vars.REDIS_URL!), prefix: `${pre}jobs` });
    cleanups.push(() => queue.close());
    const ids = await Promise.all(Array.from({ length: 6 }, async () => (await createTask(mcp, 'countdown', { seconds: 4 })).taskId));
    let most = 0;
    for (;;) {
      most = Math.max(most, await queue.getActiveCount());
      const all = await Promise.all(ids.map((id) => mcp.experimental.tasks.getTask(id)));
      if (all.every((t) => t.status === 'completed')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`global concurrency 2, 3 workers, 6 tasks: at most ${most} jobs active at once`);
    expect(most).toBe(2);
  }, 120_000);
});

interface QueueView {
  tool: string;
  waiting: number;
  active: { taskId: string; worker?: string }[];
}

/** Reads the live view's `pool` events (Server-Sent Events) until one matches. */
function poolEvents(url: string): { until(match: (queues: QueueView[]) => boolean): Promise<QueueView[]>; close(): void } {
  const stop = new AbortController();
  const seen: QueueView[][] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const response = await fetch(url, { signal: stop.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^event: pool\ndata: (.*)$/s.exec(event)?.[1];
        if (data) seen.push((JSON.parse(data) as { queues: QueueView[] }).queues);
        waiters.splice(0).forEach((wake) => wake());
      }
    }
  })().catch(() => {});
  return {
    async until(match) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no pool event matched; saw ${JSON.stringify(seen.at(-1))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    close: () => stop.abort(),
  };
}

function redisHostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}
