import type { TaskSupportOptions } from '../TaskSupport.js';
import { timerMsFromEnv, wholeNumberFromEnv } from './envNumber.js';

/** Where the demo keeps its tasks: in memory, in Redis when `REDIS_URL` is set, or in a Redis Cluster when `REDIS_CLUSTER_NODES` is. */
export interface DemoBackend {
  options: Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster' | 'limits'>;
  description: string;
  close(): Promise<void>;
}

/**
 * Reads `REDIS_URL` or `REDIS_CLUSTER_NODES` (`host:port,host:port,…`, seeds of a Redis Cluster),
 * `MTA_PREFIX` and `MTA_LEASE_MS` (lease length, for crash-recovery demos and tests), and the
 * live-task limits `MTA_MAX_LIVE_TASKS` and `MTA_MAX_LIVE_TASKS_PER_CALLER`: per process in memory,
 * shared by every instance on Redis (counted there).
 */
export async function demoBackend(env: NodeJS.ProcessEnv = process.env): Promise<DemoBackend> {
  const url = env['REDIS_URL'];
  const clusterNodes = env['REDIS_CLUSTER_NODES']
    ?.split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  if (url && clusterNodes?.length) throw new Error('Set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (url) checkRedisUrl(url);
  const maxLiveTasks = wholeNumberFromEnv(env, 'MTA_MAX_LIVE_TASKS', 1);
  const maxLiveTasksPerCaller = wholeNumberFromEnv(env, 'MTA_MAX_LIVE_TASKS_PER_CALLER', 1);
  const leaseMs = timerMsFromEnv(env, 'MTA_LEASE_MS');
  const limits = {
    ...(maxLiveTasks !== undefined ? { maxLiveTasks } : {}),
    ...(maxLiveTasksPerCaller !== undefined ? { maxLiveTasksPerCaller } : {}),
  };
  if (!url && !clusterNodes?.length) return { options: { limits }, description: 'in-memory task store', close: async () => {} };
  // Loaded only when asked for, so the in-memory demo never loads a Redis client.
  const { createRedisTaskBackend } = await import('../redis/index.js');
  // Printed (errors, the banner): a password in REDIS_URL stays out of the output.
  const shown = url ? withoutPassword(url) : undefined;
  const where = clusterNodes?.length ? `the Redis Cluster at ${clusterNodes.join(', ')}` : `Redis at ${shown}`;
  const backend = await createRedisTaskBackend({
    ...(clusterNodes?.length ? { clusterNodes } : { url }),
    ...(env['MTA_PREFIX'] ? { prefix: env['MTA_PREFIX'] } : {}),
    ...(leaseMs ? { leaseMs, sweepEveryMs: Math.max(100, Math.floor(leaseMs / 4)) } : {}),
    ...(Object.keys(limits).length > 0 ? { liveTaskLimits: limits } : {}),
  }).catch((error: unknown) => {
    // ioredis says only "Connection is closed.": name what was tried.
    throw new Error(`cannot reach ${where}: ${error instanceof Error ? error.message : String(error)}`);
  });
  return {
    options: { store: backend.store, queue: backend.queue, cluster: backend.cluster },
    description: `${clusterNodes?.length ? `Redis Cluster task store (seeds ${clusterNodes.join(', ')})` : `Redis task store at ${shown}`}, instance ${backend.cluster.instanceId}`,
    close: () => backend.close(),
  };
}

/** Throws unless `url` is a `redis:` or `rediss:` URL: ioredis would take "notaurl" for a host name. */
function checkRedisUrl(url: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol !== 'redis:' && parsed?.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got "${withoutPassword(url)}"`);
  }
}

/** `url` with its password (if any) shown as `***`, for messages: a URL that does not parse is shown only by its length. */
function withoutPassword(url: string): string {
  if (!URL.canParse(url)) return `(${url.length} characters, not a URL)`;
  const parsed = new URL(url);
  if (!parsed.password) return url;
  parsed.password = '***';
  return parsed.href;
}
