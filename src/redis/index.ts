/**
 * Redis-backed task store, queue and cluster: `mcp-task-actors/redis`. Kept off the main entry so
 * in-memory users never load a Redis client.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskOutbox } from '../backends/TaskMessageQueue.js';
import type { TaskRecordStore } from '../backends/TaskStore.js';
import { ownStore } from '../backends/ownStores.js';
import { randomBytes } from 'node:crypto';
import { batchWrites } from './batchWrites.js';
import { LeaseHandoff } from './leaseHandoff.js';
import { RedisEvents } from './RedisEvents.js';
import { RedisKeys } from './keys.js';
import { DEFAULT_LEASE_MS, RedisTaskCluster, checkLeaseOptions, leaseTimings } from './RedisTaskCluster.js';
import type { LeaseOptions } from './RedisTaskCluster.js';
import { RedisTaskMessageQueue } from './RedisTaskMessageQueue.js';
import { RedisTaskStore } from './RedisTaskStore.js';
import type { RedisClient } from './scripts.js';
import { RedisLiveTaskLimits, checkSharedLiveTaskLimits } from './liveTaskLimits.js';
import { maxStatusMessageLengthOf } from '../backends/statusMessageLimit.js';
import type { SharedLiveTaskLimits } from './liveTaskLimits.js';

export { RedisTaskStore } from './RedisTaskStore.js';
export { RedisTaskMessageQueue } from './RedisTaskMessageQueue.js';
export { RedisTaskCluster } from './RedisTaskCluster.js';
export type { LeaseOptions } from './RedisTaskCluster.js';
export type { SharedLiveTaskLimits } from './liveTaskLimits.js';

/** Options of {@link createRedisTaskBackend}. */
export interface RedisTaskBackendOptions extends LeaseOptions {
  /** `redis://host:port/db` of the Redis server. Give this or `clusterNodes`. */
  url?: string;
  /**
   * Seed nodes of a Redis Cluster (`host:port` strings or objects); the rest are discovered. The
   * cluster should run with `cluster-require-full-coverage no`, so losing a master without a
   * replica fails only the tasks on its slots (see docs/redis.md).
   */
  clusterNodes?: (string | { host: string; port: number })[];
  /** Extra ioredis `Cluster` options (NAT map, slots refresh, …); node connections take `redis`. */
  cluster?: ClusterOptions;
  /** Prefix of every key and channel. Default `mta:`. */
  prefix?: string;
  /** Safety expiry of queue keys (ms). Default 24 hours. */
  queueKeyTtlMs?: number;
  /** This instance's id in the cluster. Default: 64 random bits. */
  instanceId?: string;
  /**
   * Live-task limits counted in Redis across every instance on it (per caller and in total), on top
   * of each process's own `limits`. Released when tasks end; an instance that dies returns its
   * slots one lease after its last renewal (after Redis was away, one lease after the reconnect).
   * Default: none shared.
   */
  liveTaskLimits?: SharedLiveTaskLimits;
  /**
   * Longest `statusMessage` the store keeps, in UTF-16 code units: a longer one is cut to that
   * many, ending in `…` and never inside a surrogate pair. Default 4,096; `Infinity` keeps any.
   * See docs/limits.md.
   */
  maxStatusMessageLength?: number;
  /**
   * Extra ioredis options (reconnect strategy, TLS, `protocol`, …), ioredis 5 or 6. `replyMapping`
   * stays `'legacy'`: the store reads replies in those shapes.
   */
  redis?: RedisOptions;
  /**
   * Whether the command connection this backend opens to one Redis, while it has commands in
   * flight, joins the commands of one turn of the event loop into one socket write (an idle one
   * writes at once). Less CPU per task in this process and in Redis with many tasks in flight, but
   * each command may wait for the end of its turn: in one of the two benches the lifecycles/s fell
   * (docs/redis.md, "Joined writes"). For an instance bound by its own CPU. Not on a Redis Cluster.
   * Default `false`.
   */
  batchWrites?: boolean;
}

/** Store, queue and cluster sharing two Redis clients; pass them to `new TaskSupport({...})`. */
export interface RedisTaskBackend {
  store: TaskRecordStore;
  queue: TaskOutbox;
  cluster: TaskCluster;
  /** Closes both clients (call after `TaskSupport.close()`). */
  close(): Promise<void>;
}

/**
 * Connects to Redis and returns what `TaskSupport` needs to share tasks between instances.
 *
 * @example
 * ```ts
 * const backend = await createRedisTaskBackend({ url: process.env.REDIS_URL! });
 * // or, on a Redis Cluster:
 * const backend = await createRedisTaskBackend({ clusterNodes: ['10.0.0.1:6379', '10.0.0.2:6379'] });
 * const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster });
 * ```
 */
export async function createRedisTaskBackend(options: RedisTaskBackendOptions): Promise<RedisTaskBackend> {
  // Before any client exists: a bad option throws with nothing to close.
  const maxStatusMessageLength = maxStatusMessageLengthOf(options.maxStatusMessageLength);
  if (options.liveTaskLimits) checkSharedLiveTaskLimits(options.liveTaskLimits);
  checkLeaseOptions(options);
  const connection: RedisOptions = {
    // While Redis is away, calls fail at once with a clear error instead of queueing up forever.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect attempts at most 500 ms apart: a write waiting for Redis lands within about a second of its return.
    retryStrategy: (times) => Math.min(500, 50 * times),
    lazyConnect: true,
    ...options.redis,
    ...LEGACY_REPLIES,
  };
  const commands = client(options, connection);
  // The subscriber writes next to nothing; a cluster's node connections are ioredis's own.
  if (commands instanceof Redis && (options.batchWrites ?? false)) batchWrites(commands);
  const subscriber = client(options, connection);
  const keys = new RedisKeys(options.prefix ?? 'mta:');
  const events = new RedisEvents(subscriber, keys);
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
    await events.start();
  } catch (error) {
    // Nobody gets a handle to close them: left alone, both clients would retry for ever, and keep
    // the process alive, behind a rejection the caller already handled.
    events.stop();
    commands.disconnect();
    subscriber.disconnect();
    throw error;
  }
  const limits = options.liveTaskLimits
    ? new RedisLiveTaskLimits(commands, keys, options.liveTaskLimits, options.leaseMs ?? DEFAULT_LEASE_MS)
    : undefined;
  const instanceId = options.instanceId ?? randomBytes(8).toString('hex');
  const handoff = new LeaseHandoff(instanceId, options.leaseMs ?? DEFAULT_LEASE_MS, !commands.isCluster);
  const store = new RedisTaskStore(commands, keys, events, limits, handoff, maxStatusMessageLength);
  return {
    store: ownStore(store, (taskId) => store.peekEnded(taskId)),
    queue: new RedisTaskMessageQueue(commands, keys, events, options.queueKeyTtlMs ?? 86_400_000, leaseTimings(options)),
    cluster: new RedisTaskCluster(commands, keys, events, options, instanceId, limits, handoff),
    close: async () => {
      events.stop();
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * The store parses replies in their RESP2 shapes. ioredis 6 keeps them so over RESP3 unless told
 * `replyMapping: 'resp3'`, under which `ZRANGEBYSCORE … WITHSCORES` comes as pairs and `tasks/list`
 * found nothing. ioredis 5 has no such option (ignored at run time; spread, so that this file also
 * compiles against its types).
 */
const LEGACY_REPLIES = { replyMapping: 'legacy' } as const;

/** How often a cluster client asks for the slots' masters (ms): one CLUSTER SLOTS each time. */
const SLOTS_REFRESH_MS = 2000;

function client(options: RedisTaskBackendOptions, connection: RedisOptions): RedisClient {
  const made = options.clusterNodes
    ? new Cluster(options.clusterNodes.map(seedNode), {
        enableOfflineQueue: false,
        lazyConnect: true,
        // Reads go to masters: a replica may not have the write a caller just made.
        scaleReads: 'master',
        // ioredis learns the cluster's layout again only when a node errors or redirects. A master
        // that freezes (kill -STOP, a VM paused, packets dropped) does neither: after its replica
        // took over, every call on its slots still went to it and failed at the store timeout,
        // and a subscription on it heard nothing, for as long as it stayed frozen.
        slotsRefreshInterval: SLOTS_REFRESH_MS,
        ...options.cluster,
        redisOptions: connection,
      })
    : new Redis(options.url ?? 'redis://127.0.0.1:6379', connection);
  // ioredis reports connection errors (of any node) as events; they surface as request errors instead.
  made.on('error', () => {});
  made.on('node error', () => {});
  return made;
}

function seedNode(node: string | { host: string; port: number }): { host: string; port: number } {
  if (typeof node !== 'string') return node;
  const at = node.lastIndexOf(':');
  const port = Number(node.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0) throw new Error(`Cluster node "${node}" is not host:port`);
  return { host: node.slice(0, at), port };
}
