import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, inject } from 'vitest';
import type { ZodRawShape } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import type { TaskContext, TaskToolConfig, TaskToolWork } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import type { WorkerPool, WorkerPoolOptions } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, deferred } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import type { InstanceOptions } from '../../support/redisInstances.js';
import { startRedisServer } from '../../support/redisServer.js';
import type { RedisServer } from '../../support/redisServer.js';

// The split the tests of this folder build by hand, in this process: a front (its own backend,
// a front pool and a connected SDK client) and workers (each with its own backend, instance id
// and worker pool), on one redis-server under a key prefix of their own. Unlike
// test/redis/workersPerTest.ts, which splits every TaskSupport of the protocol suites, the tests
// here pick each piece's options (locks, timeouts, a store that stops Redis mid-create).

/** A logger that drops everything: the faults these tests cause are logged on purpose. */
export const quiet = { warn: (): void => {}, error: (): void => {} };

/** BullMQ's connection options: its workers block on Redis, so ioredis must retry their commands for ever. */
export interface PoolConnection {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
}

/** A front of a split: its TaskSupport, pool and backend, and an SDK client connected to it. */
export interface PoolFront {
  tasks: TaskSupport;
  pool: WorkerPool;
  backend: RedisTaskBackend;
  session: Session;
}

/** A worker of a split. */
export interface PoolWorker {
  tasks: TaskSupport;
  pool: WorkerPool;
  /** Its own backend: closed with the pool, the worker is dead as far as Redis and the other workers can tell. */
  backend: RedisTaskBackend;
}

/** Pool options a test may set; role, connection and prefix are the split's. */
type PoolOptions = Omit<WorkerPoolOptions, 'role' | 'connection' | 'prefix'>;

/** One split's pieces, each closed after the test (the last opened first). */
export class PoolSplit {
  readonly prefix: string;
  /** The prefix of the job queues' keys. */
  readonly jobsPrefix: string;
  readonly connection: PoolConnection;

  constructor(
    /** The redis-server's URL. */
    readonly url: string,
    tag: string,
    private readonly closers: (() => Promise<void>)[],
  ) {
    this.prefix = `${tag}${randomBytes(3).toString('hex')}:`;
    this.jobsPrefix = `${this.prefix}jobs`;
    const parsed = new URL(url);
    this.connection = { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null };
  }

  /** Closes `close` after the test, before what was opened earlier. */
  later(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** A task backend of its own (connections and instance id) under the split's prefix. */
  async backend(instanceId: string): Promise<RedisTaskBackend> {
    const backend = await createRedisTaskBackend({ url: this.url, prefix: this.prefix, instanceId });
    this.later(() => backend.close());
    return backend;
  }

  /** A pool on the split's queues; quiet unless `options.logger` says otherwise. Closed by its TaskSupport. */
  pool(role: 'front' | 'worker', options: PoolOptions = {}): WorkerPool {
    return createWorkerPool({ role, connection: this.connection, prefix: this.jobsPrefix, logger: quiet, ...options });
  }

  /**
   * A front serving task tool `tool` (a stub work: the front runs none) to a connected SDK client.
   * `backend` / `pool`: the test's own (e.g. a store that stops Redis mid-create); else new ones.
   */
  async front<Shape extends ZodRawShape>(
    tool: string,
    config: TaskToolConfig<Shape>,
    options: { backend?: RedisTaskBackend; pool?: WorkerPool; logger?: Pick<Console, 'warn' | 'error'> } = {},
  ): Promise<PoolFront> {
    const backend = options.backend ?? (await this.backend('front'));
    const pool = options.pool ?? this.pool('front');
    const tasks = new TaskSupport({ ...backend, placement: pool, logger: options.logger ?? quiet });
    this.later(() => tasks.close());
    const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, tool, config, async () => ({ content: [] })));
    this.later(() => session.close());
    return { tasks, pool, backend, session };
  }

  /**
   * A worker named `name` (its instance id) running `work` for task tool `tool`; `wrapStore` /
   * `wrapQueue` wrap its backend's store / queue before its TaskSupport gets them (hooks).
   */
  async worker<Shape extends ZodRawShape>(
    name: string,
    tool: string,
    config: TaskToolConfig<Shape>,
    work: TaskToolWork<Shape>,
    options: PoolOptions & Pick<InstanceOptions, 'wrapStore' | 'wrapQueue'> = {},
  ): Promise<PoolWorker> {
    const { wrapStore, wrapQueue, ...poolOptions } = options;
    const pool = this.pool('worker', poolOptions);
    const backend = await this.backend(name);
    const store = wrapStore ? wrapStore(backend.store) : backend.store;
    const queue = wrapQueue ? wrapQueue(backend.queue) : backend.queue;
    const tasks = new TaskSupport({ ...backend, store, queue, placement: pool, logger: quiet });
    this.later(() => tasks.close());
    tasks.registerTool(new McpServer({ name, version: '1' }), tool, config, work);
    return { tasks, pool, backend };
  }

  /** The job queue of `tool`, as a dashboard sees it (errors ignored: Redis may be stopped on purpose). */
  jobs(tool: string): Queue {
    const queue = new Queue(`tool-${tool}`, { connection: this.connection, prefix: this.jobsPrefix });
    queue.on('error', () => {});
    this.later(() => queue.close());
    return queue;
  }
}

/**
 * The runs of a tool's work across workers, as the tests watch them: which worker started a run
 * and which had its run aborted; every run waits for `release`, then completes `done on <worker>`.
 */
export class Runs {
  readonly starts: string[] = [];
  readonly aborted: string[] = [];
  readonly release = deferred();

  /** The work as worker `name` runs it; `beforeRelease` runs after the start is recorded. */
  work(name: string, beforeRelease?: (task: TaskContext) => Promise<void>): TaskToolWork<ZodRawShape> {
    return async (_args, task) => {
      this.starts.push(name);
      task.signal.addEventListener('abort', () => this.aborted.push(name));
      await beforeRelease?.(task);
      await this.release.promise;
      return { content: [{ type: 'text', text: `done on ${name}` }] };
    };
  }
}

/** The splits of one test file. */
export interface WorkerPools {
  /** A split on the globalSetup redis-server. */
  split(): PoolSplit;
  /** A split on a redis-server of its own (removed after the test), for a test that stops and starts Redis. */
  splitOnOwnRedis(): Promise<{ redis: RedisServer; s: PoolSplit }>;
}

/**
 * Registers an `afterEach` that closes what the file's splits opened (the last opened first), and
 * returns the file's split factories; `tag` starts each split's key prefix.
 */
export function useWorkerPools(tag: string): WorkerPools {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });
  return {
    split: () => new PoolSplit(inject('redisUrl'), tag, closers),
    splitOnOwnRedis: async () => {
      const redis = await startRedisServer();
      closers.push(() => redis.dispose());
      return { redis, s: new PoolSplit(redis.url, tag, closers) };
    },
  };
}
