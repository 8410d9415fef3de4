import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import type { WorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, deferred, eventually, taskResult } from '../../support/harness.js';

// The progressToken of a task's `tools/call` stays valid for the task's whole life (2025-11-25,
// tasks.mdx "Progress"): work run on a worker pool sends `task.progress()` on it, as work run in
// process does, and so does a rerun of a restartable task on another worker after the first one
// died (the job, not the dead worker, carries the token). Front and workers in this process on the
// globalSetup redis-server, each with its own connections and instance id.
const RELATED = 'io.modelcontextprotocol/related-task';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function split() {
  const url = inject('redisUrl');
  const parsed = new URL(url);
  const prefix = `pt${randomBytes(3).toString('hex')}:`;
  const connection = { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null };
  const quiet = { warn: () => {}, error: () => {} };
  const open = async (instanceId: string): Promise<RedisTaskBackend> => {
    const backend = await createRedisTaskBackend({ url, prefix, instanceId });
    closers.push(() => backend.close());
    return backend;
  };
  const starts: string[] = [];
  const aborted: string[] = [];
  /** What the work waits for before its progress goes out (see holdProgress). */
  let gate: Promise<unknown> = Promise.resolve();
  const release = deferred();
  const config = { taskSupport: 'required' as const, restartable: true };
  const worker = async (name: string): Promise<{ pool: WorkerPool; tasks: TaskSupport }> => {
    const pool = createWorkerPool({
      role: 'worker',
      connection,
      prefix: `${prefix}jobs`,
      lockDurationMs: 1_000,
      stalledIntervalMs: 500,
      logger: quiet,
    });
    const tasks = new TaskSupport({ ...(await open(name)), placement: pool, logger: quiet });
    closers.push(() => tasks.close());
    tasks.registerTool(new McpServer({ name, version: '1' }), 'slow', config, async (_args, task) => {
      starts.push(name);
      task.signal.addEventListener('abort', () => aborted.push(name));
      await gate;
      await task.progress(starts.length, 10, `on ${name}`);
      await release.promise;
      return { content: [{ type: 'text', text: `done on ${name}` }] };
    });
    return { pool, tasks };
  };
  const front = new TaskSupport({
    ...(await open('front')),
    placement: createWorkerPool({ role: 'front', connection, prefix: `${prefix}jobs`, logger: quiet }),
    logger: quiet,
  });
  closers.push(() => front.close());
  const session = await connectInMemory(front, (server) => front.registerTool(server, 'slow', config, async () => ({ content: [] })));
  closers.push(() => session.close());
  /** A task-augmented `tools/call` with a progressToken (the SDK client makes one for `onprogress`). */
  const call = async (progress: Progress[]): Promise<string> => {
    const created = await session.client.request(
      { method: 'tools/call', params: { name: 'slow', arguments: {}, task: {} } },
      CreateTaskResultSchema,
      { onprogress: (p) => void progress.push(p) },
    );
    return created.task.taskId;
  };
  /** Holds the progress of runs started from now on; the function returned lets it go. */
  const holdProgress = (): (() => void) => {
    const held = deferred();
    gate = held.promise;
    return () => held.resolve();
  };
  return { session, worker, starts, aborted, release, call, holdProgress };
}

describe('task.progress() in work run on a worker pool', () => {
  it('reaches the client on the tools/call progressToken, with the related-task _meta, through tasks/result', async () => {
    const s = await split();
    await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    // Nothing holds the client's stream on a worker: the notification waits in the shared queue.
    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below; a failed check before that must not leave it unhandled
    await eventually(() => progress.length === 1, 10_000);
    expect(progress[0]).toMatchObject({ progress: 1, total: 10, message: 'on w1', _meta: { [RELATED]: { taskId } } });
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w1' }]);
  }, 30_000);

  it('keeps the token when a restartable task runs again on another worker after its worker died', async () => {
    const s = await split();
    const first = await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    const sendProgress = s.holdProgress();
    await s.worker('w2');
    // The first worker dies as far as the pool can tell (its job's lock is no longer renewed).
    await first.pool.close();
    await eventually(() => s.starts.length === 2, 10_000);
    expect(s.starts).toEqual(['w1', 'w2']);
    sendProgress();

    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => progress.some((p) => p.message === 'on w2'), 10_000);
    expect(progress.find((p) => p.message === 'on w2')).toMatchObject({ progress: 2, total: 10, _meta: { [RELATED]: { taskId } } });
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w2' }]);
  }, 30_000);
});

// A job whose lock lapsed goes to another worker; a restartable task runs again there and the taker
// tells the first run to stop. That first run ends `cancelled`, a settle the store refuses (fenced):
// its end must not clear the task's message queue, where the rerun's progress (and input requests)
// wait for the next tasks/result.
describe('a restartable task rerun on another worker while the first run still lives', () => {
  it('keeps what the rerun queued when the first run’s cancelled end comes after it (its settle refused)', async () => {
    const s = await split();
    const first = await s.worker('w1');
    const progress: Progress[] = [];
    const taskId = await s.call(progress);
    await eventually(() => s.starts.length === 1, 10_000);
    await s.worker('w2');
    // The first worker dies as far as the pool can tell (its job's lock is no longer renewed); its
    // process lives on and hears w2's take ("Another worker took this task over") only after w2 ran.
    await first.pool.close();
    await eventually(() => s.starts.length === 2, 10_000);
    await eventually(() => s.aborted.includes('w1'), 10_000);
    await first.tasks.close();

    const result = taskResult(s.session.client, taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => progress.some((p) => p.message === 'on w2'), 10_000);
    s.release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on w2' }]);
  }, 30_000);
});
