import type { TaskSupportOptions } from '../TaskSupport.js';

/** Where the demo keeps its tasks: in memory, or in Redis when `REDIS_URL` is set. */
export interface DemoBackend {
  options: Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>;
  description: string;
  close(): Promise<void>;
}

/** Reads `REDIS_URL`, `MTA_PREFIX` and `MTA_LEASE_MS` (lease length, for crash-recovery demos and tests). */
export async function demoBackend(env: NodeJS.ProcessEnv = process.env): Promise<DemoBackend> {
  const url = env['REDIS_URL'];
  if (!url) return { options: {}, description: 'in-memory task store', close: async () => {} };
  // Loaded only when asked for, so the in-memory demo never loads a Redis client.
  const { createRedisTaskBackend } = await import('../redis/index.js');
  const leaseMs = env['MTA_LEASE_MS'] ? Number(env['MTA_LEASE_MS']) : undefined;
  const backend = await createRedisTaskBackend({
    url,
    ...(env['MTA_PREFIX'] ? { prefix: env['MTA_PREFIX'] } : {}),
    ...(leaseMs ? { leaseMs, sweepEveryMs: Math.max(100, Math.floor(leaseMs / 4)) } : {}),
  });
  return {
    options: { store: backend.store, queue: backend.queue, cluster: backend.cluster },
    description: `Redis task store at ${url}, instance ${backend.cluster.instanceId}`,
    close: () => backend.close(),
  };
}
