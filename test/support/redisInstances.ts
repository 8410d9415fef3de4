import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import { connectInMemory, deferred } from './harness.js';
import type { Session } from './harness.js';
import { Jobs } from './jobs.js';
import { startRedisServer } from './redisServer.js';
import type { RedisServer } from './redisServer.js';

/**
 * TaskSupport instances on one redis-server of the test's own (a fault test may stop or stall it),
 * each with its own backend, an in-memory session and the `Jobs` tools; short leases and sweeps so
 * takeovers happen within a test.
 */

/** The lease of every instance made here, in ms. */
export const LEASE_MS = 600;

/** One instance: its backend, TaskSupport, client session, tools, and what it logged as errors. */
export interface Instance {
  name: string;
  backend: RedisTaskBackend;
  tasks: TaskSupport;
  session: Session;
  jobs: Jobs;
  errors: unknown[][];
}

/** How {@link instance} builds one. */
export interface InstanceOptions {
  /** Wraps the backend's store before TaskSupport gets it (a hook, not a fault by itself). */
  wrapStore?: <T extends object>(store: T) => T;
  wrapQueue?: <T extends object>(queue: T) => T;
  backend?: Partial<RedisTaskBackendOptions>;
  storeTimeout?: number;
  extraTools?: (tasks: TaskSupport, server: McpServer) => void;
}

/** An instance named `name` (its cluster instance id) on `redis`, keys under `prefix`. */
export async function instance(redis: RedisServer, name: string, prefix: string, options: InstanceOptions = {}): Promise<Instance> {
  const backend = await createRedisTaskBackend({
    url: redis.url,
    prefix,
    instanceId: name,
    leaseMs: LEASE_MS,
    sweepEveryMs: 100,
    ...options.backend,
  });
  const errors: unknown[][] = [];
  const tasks = new TaskSupport({
    store: options.wrapStore ? options.wrapStore(backend.store) : backend.store,
    queue: options.wrapQueue ? options.wrapQueue(backend.queue) : backend.queue,
    cluster: backend.cluster,
    storeTimeout: options.storeTimeout ?? 300,
    pollInterval: 100,
    identify: () => 'alice',
    logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
  });
  const jobs = new Jobs();
  const session = await connectInMemory(tasks, (server) => {
    jobs.register(tasks, server);
    options.extraTools?.(tasks, server);
  });
  return { name, backend, tasks, session, jobs, errors };
}

/** A plain client of `redis`, for what a test does to the server itself. */
export function raw(redis: RedisServer): Redis {
  const r = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  r.on('error', () => {});
  return r;
}

/** `target` with one method wrapped: `around` gets the call (to run or not) and its arguments. */
export function hook<T extends object>(
  target: T,
  method: string,
  around: (call: () => Promise<unknown>, args: unknown[]) => Promise<unknown>,
): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || property !== method) return value;
      return (...args: unknown[]) => around(() => (value as (...a: unknown[]) => Promise<unknown>).apply(object, args), args);
    },
  });
}

/**
 * A process that dies right after one step for `taskId`: `dying(target)` wraps `target`'s `step`
 * (a store's `settle`, where only a `failed` settle counts, or a queue's `clear`) so that the step
 * runs, then `died` resolves and the call never returns (until `never` is resolved at cleanup,
 * when it throws). Nothing after that step runs, as in a process killed there.
 */
export function dyingAfter(
  taskId: string,
  step: 'settle' | 'clear',
  who: string,
): { dying: <T extends object>(target: T) => T; died: ReturnType<typeof deferred<void>>; never: ReturnType<typeof deferred<void>> } {
  const died = deferred();
  const never = deferred();
  const dying = <T extends object>(target: T): T =>
    hook(target, step, async (call, args) => {
      const result = await call();
      if (args[0] !== taskId || (step === 'settle' && args[1] !== 'failed')) return result;
      died.resolve();
      await never.promise;
      throw new Error(`${who} died`);
    });
  return { dying, died, never };
}

/**
 * A redis-server of the test file's own, started before its tests, and the instances they open on
 * it (push them on `opened`): each closed after the file, then the server.
 */
export function redisForFile(): { redis: () => RedisServer; opened: Instance[] } {
  let server: RedisServer | undefined;
  const opened: Instance[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    // Each step on its own: a Redis a test stopped on purpose fails some, and the rest must still close.
    for (const { session, tasks, backend } of opened.splice(0)) {
      await session.close().catch(() => {});
      await tasks.close().catch(() => {});
      await backend.close().catch(() => {});
    }
    await server?.dispose();
  });
  return { redis: () => server!, opened };
}

/** Closes an instance a test opened: its session, its TaskSupport, then its backend (a failure fails the test). */
export async function closeInstance({ session, tasks, backend }: Instance): Promise<void> {
  await session.close();
  await tasks.close();
  await backend.close();
}
