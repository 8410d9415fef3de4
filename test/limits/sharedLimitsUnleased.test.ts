import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LIMIT_EXCEEDED, TaskSupport } from '../../src/index.js';
import type { TaskRecord, TaskSupportOptions } from '../../src/index.js';
import { createWorkerPool } from '../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisLiveTaskLimits } from '../../src/redis/liveTaskLimits.js';
import { rpcError } from '../support/session.js';

// Shared live-task limits count a task until it ends, also when no lease of the backend covers it:
// a task dispatched to a worker pool (its worker claims it without a lease) or run through the
// store without the cluster. Before, its slot lasted one lease from its creation, nothing renewed
// it, and the next admission after that returned it while the task still ran: `maxLiveTasks: 1`
// admitted a second task one lease later.

const redis = ownRedis();
const LEASE_MS = 200;
const quiet = { warn: (): void => {}, error: (): void => {} };
const HOLD = { taskSupport: 'required' as const };
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function backend(prefix: string, instanceId: string): Promise<RedisTaskBackend> {
  const made = await createRedisTaskBackend({ url: redis.url, prefix, instanceId, leaseMs: LEASE_MS, liveTaskLimits: { maxLiveTasks: 1 } });
  closers.push(() => made.close());
  return made;
}

function taskSupport(options: TaskSupportOptions): TaskSupport {
  const tasks = new TaskSupport({ pollInterval: 10, logger: quiet, ...options, limits: { minPollInterval: 10 } });
  closers.push(() => tasks.close());
  return tasks;
}

/** Serves `hold` on `tasks` (a work that waits for `gate`) to a new client; `started` once it runs. */
async function serveHold(tasks: TaskSupport, worker?: TaskSupport) {
  const gate = deferred<void>();
  const started = deferred<void>();
  const work = async () => {
    started.resolve();
    await gate.promise;
    return { content: [] };
  };
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'hold', HOLD, work));
  closers.push(() => session.close());
  if (worker) worker.registerTool(new McpServer({ name: 'worker', version: '1' }), 'hold', HOLD, work);
  return { client: session.client, gate, started: started.promise };
}

/** Creates one task, waits past its first lease, then expects the shared maxLiveTasks of 1 to refuse another. */
async function stillCounted(serve: Awaited<ReturnType<typeof serveHold>>): Promise<void> {
  const { client, gate, started } = serve;
  const first = await createTask(client, 'hold', {});
  await started;
  // Nothing to wait for but time: the point is a slot outliving the lease it was first given.
  await sleep(3 * LEASE_MS);
  const refused = await rpcError(createTask(client, 'hold', {}));
  expect(refused.code).toBe(LIMIT_EXCEEDED);
  expect(refused.data).toEqual({ limit: 'maxLiveTasks', max: 1 });
  expect(refused.message).toContain('on all server instances');
  gate.resolve();
  await taskResult(client, first.taskId);
  // Ended: its slot is back at once.
  await createTask(client, 'hold', {});
}

describe('shared live-task limits for tasks no lease covers', () => {
  it('a task run on a worker pool keeps its slot past the lease until it ends', async () => {
    const prefix = `u${randomBytes(4).toString('hex')}:`;
    const parsed = new URL(redis.url);
    const connection = { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null };
    const jobs = `${prefix}jobs`;
    const front = taskSupport({
      ...(await backend(prefix, 'front')),
      placement: createWorkerPool({ role: 'front', connection, prefix: jobs, logger: quiet }),
    });
    const worker = taskSupport({
      ...(await backend(prefix, 'worker')),
      placement: createWorkerPool({ role: 'worker', connection, prefix: jobs, logger: quiet }),
    });
    await stillCounted(await serveHold(front, worker));
  });

  it('a task of a store used without the cluster keeps its slot past the lease until it ends', async () => {
    const { store, queue } = await backend(`n${randomBytes(4).toString('hex')}:`, 'alone');
    await stillCounted(await serveHold(taskSupport({ store, queue })));
  });
});

describe('a shared slot whose release failed', () => {
  it('is released once Redis is back, not held until its task expires', async () => {
    const server = await startRedisServer();
    closers.push(() => server.dispose());
    const made = await createRedisTaskBackend({ url: server.url, leaseMs: LEASE_MS, liveTaskLimits: { maxLiveTasks: 1 } });
    closers.push(() => made.close());
    const record = (): TaskRecord => {
      const now = new Date().toISOString();
      return {
        taskId: randomBytes(8).toString('hex'),
        owner: 'alice',
        status: 'working',
        createdAt: now,
        lastUpdatedAt: now,
        ttl: 3_600_000,
        pollInterval: 100,
      };
    };
    const first = record();
    await made.store.create(first);
    // The release alone fails, as when Redis goes away between a settle's script and its release.
    const limits = (made.store as unknown as { limits: RedisLiveTaskLimits }).limits;
    await server.stop();
    await expect(limits.release(first.taskId)).rejects.toThrow();
    await server.start();
    await eventually(() =>
      made.store.create(record()).then(
        () => true,
        () => false,
      ),
    );
  });
  it('is tried again no more once its backend is closed', async () => {
    const server = await startRedisServer();
    closers.push(() => server.dispose());
    const made = await createRedisTaskBackend({ url: server.url, leaseMs: LEASE_MS, liveTaskLimits: { maxLiveTasks: 1 } });
    closers.push(() => made.close());
    const limits = (made.store as unknown as { limits: RedisLiveTaskLimits }).limits;
    await server.stop();
    await expect(limits.release('t1')).rejects.toThrow();
    await made.close();
    // Retries were due at 50, 100, 200, 400 ms… after the failure, each failing at once on the
    // closed client, for a minute: the timers of a closed backend firing in whatever ran next.
    const scripts = limits as unknown as { redis: { mtaLimitRelease: (...args: unknown[]) => Promise<number> } };
    const tries: unknown[] = [];
    const original = scripts.redis.mtaLimitRelease.bind(scripts.redis);
    scripts.redis.mtaLimitRelease = (...args: unknown[]) => {
      tries.push(args);
      return original(...args);
    };
    await sleep(1_000);
    expect(tries).toEqual([]);
  });
});

describe('a shared admission whose answer was lost', () => {
  it('gives back the slot it may have taken, so the failed creation does not hold it', async () => {
    const prefix = `l${randomBytes(4).toString('hex')}:`;
    // Long leases: a slot left behind would be held far past this test.
    const made = await createRedisTaskBackend({
      url: redis.url,
      prefix,
      leaseMs: 60_000,
      liveTaskLimits: { maxLiveTasks: 1 },
      redis: { commandTimeout: 100 },
    });
    closers.push(() => made.close());
    const record = (): TaskRecord => {
      const now = new Date().toISOString();
      return {
        taskId: randomBytes(8).toString('hex'),
        owner: 'alice',
        status: 'working',
        createdAt: now,
        lastUpdatedAt: now,
        ttl: 3_600_000,
        pollInterval: 100,
      };
    };
    // Redis busy for 400 ms: the admission runs after the client gave up on its answer.
    const busy = redis.admin.eval(
      "local t = redis.call('TIME'); local s = t[1] * 1000000 + t[2]; repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - s > 400000; return 1",
      0,
    );
    const lost = record();
    await expect(made.store.create(lost)).rejects.toThrow(/timed out/i);
    await busy;
    await eventually(async () => (await redis.admin.zscore(`${prefix}{limits}:live`, lost.taskId)) === null);
    await made.store.create(record());
  });
});
