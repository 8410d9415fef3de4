import type { TaskSupportOptions } from '../TaskSupport.js';

/** Where the demo keeps its tasks: in memory, in Redis when `REDIS_URL` is set, or in a Redis Cluster when `REDIS_CLUSTER_NODES` is. */
export interface DemoBackend {
  options: Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>;
  description: string;
  close(): Promise<void>;
}

/**
 * Reads `REDIS_URL` or `REDIS_CLUSTER_NODES` (`host:port,host:port,…`, seeds of a Redis Cluster),
 * `MTA_PREFIX` and `MTA_LEASE_MS` (lease length, for crash-recovery demos and tests).
 */
export async function demoBackend(env: NodeJS.ProcessEnv = process.env): Promise<DemoBackend> {
  const url = env['REDIS_URL'];
  const clusterNodes = env['REDIS_CLUSTER_NODES']
    ?.split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  if (url && clusterNodes?.length) throw new Error('Set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (!url && !clusterNodes?.length) return { options: {}, description: 'in-memory task store', close: async () => {} };
  // Loaded only when asked for, so the in-memory demo never loads a Redis client.
  const { createRedisTaskBackend } = await import('../redis/index.js');
  const leaseMs = env['MTA_LEASE_MS'] ? Number(env['MTA_LEASE_MS']) : undefined;
  const backend = await createRedisTaskBackend({
    ...(clusterNodes?.length ? { clusterNodes } : { url }),
    ...(env['MTA_PREFIX'] ? { prefix: env['MTA_PREFIX'] } : {}),
    ...(leaseMs ? { leaseMs, sweepEveryMs: Math.max(100, Math.floor(leaseMs / 4)) } : {}),
  });
  return {
    options: { store: backend.store, queue: backend.queue, cluster: backend.cluster },
    description: `${clusterNodes?.length ? `Redis Cluster task store (seeds ${clusterNodes.join(', ')})` : `Redis task store at ${url}`}, instance ${backend.cluster.instanceId}`,
    close: () => backend.close(),
  };
}
