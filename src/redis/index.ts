/**
 * Redis-backed task store, queue and cluster: `mcp-task-actors/redis`. Kept off the main entry so
 * in-memory users never load a Redis client.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { RedisEvents } from './RedisEvents.js';
import { RedisKeys } from './keys.js';
import { RedisTaskCluster } from './RedisTaskCluster.js';
import type { LeaseOptions } from './RedisTaskCluster.js';
import { RedisTaskMessageQueue } from './RedisTaskMessageQueue.js';
import { RedisTaskStore } from './RedisTaskStore.js';

export { RedisTaskStore } from './RedisTaskStore.js';
export { RedisTaskMessageQueue } from './RedisTaskMessageQueue.js';
export { RedisTaskCluster } from './RedisTaskCluster.js';
export type { LeaseOptions } from './RedisTaskCluster.js';

/** Options of {@link createRedisTaskBackend}. */
export interface RedisTaskBackendOptions extends LeaseOptions {
  /** `redis://host:port/db` of the Redis server. */
  url: string;
  /** Prefix of every key and channel. Default `mta:`. */
  prefix?: string;
  /** Safety expiry of queue keys (ms). Default 24 hours. */
  queueKeyTtlMs?: number;
  /** This instance's id in the cluster. Default: 64 random bits. */
  instanceId?: string;
  /** Extra ioredis options (reconnect strategy, TLS, …). */
  redis?: RedisOptions;
}

/** Store, queue and cluster sharing two Redis connections; pass them to `new TaskSupport({...})`. */
export interface RedisTaskBackend {
  store: TaskStore;
  queue: TaskMessageQueue;
  cluster: TaskCluster;
  /** Closes both connections (call after `TaskSupport.close()`). */
  close(): Promise<void>;
}

/**
 * Connects to Redis and returns what `TaskSupport` needs to share tasks between instances.
 *
 * @example
 * ```ts
 * const backend = await createRedisTaskBackend({ url: process.env.REDIS_URL! });
 * const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster });
 * ```
 */
export async function createRedisTaskBackend(options: RedisTaskBackendOptions): Promise<RedisTaskBackend> {
  const connection: RedisOptions = {
    // While Redis is away, calls fail at once with a clear error instead of queueing up forever.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect attempts at most 500 ms apart: a write waiting for Redis lands within about a second of its return.
    retryStrategy: (times) => Math.min(500, 50 * times),
    lazyConnect: true,
    ...options.redis,
  };
  const commands = new Redis(options.url, connection);
  const subscriber = new Redis(options.url, connection);
  // ioredis reports connection errors as events; they surface as request errors instead.
  commands.on('error', () => {});
  subscriber.on('error', () => {});
  await Promise.all([commands.connect(), subscriber.connect()]);
  const keys = new RedisKeys(options.prefix ?? 'mta:');
  const events = new RedisEvents(subscriber, keys);
  await events.start();
  return {
    store: new RedisTaskStore(commands, keys, events),
    queue: new RedisTaskMessageQueue(commands, keys, events, options.queueKeyTtlMs ?? 86_400_000),
    cluster: new RedisTaskCluster(commands, keys, events, options, options.instanceId),
    close: async () => {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
