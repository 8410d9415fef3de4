/**
 * Redis work per task lifecycle (`npm run bench:redis` prints it): the commands Redis executed,
 * read from its own `INFO commandstats` before and after sequential lifecycles (task `tools/call`
 * + `tasks/result`, instant work) on a Redis that serves nothing else. An upper bound on round
 * trips: a script run counts once as `evalsha` and once per command inside it, and MULTI/EXEC
 * blocks count every command they hold. Pub/sub deliveries are not commands; this measurement's
 * own `INFO` is subtracted.
 */
import { Redis } from 'ioredis';

/** Calls per command name (`evalsha` counts each script run once). */
export type CommandCounts = Map<string, number>;

async function commandStats(redis: Redis): Promise<CommandCounts> {
  const info = await redis.info('commandstats');
  const counts: CommandCounts = new Map();
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** Round trips per lifecycle, in total and per command, over `runs` sequential lifecycles. */
export async function redisRoundTrips(
  url: string,
  lifecycle: () => Promise<unknown>,
  runs = 200,
): Promise<{ perLifecycle: number; byCommand: [string, number][] }> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    // Settle whatever the warm-up left running (releases, expiry bookkeeping) before counting.
    for (let i = 0; i < 20; i++) await lifecycle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = await commandStats(redis);
    for (let i = 0; i < runs; i++) await lifecycle();
    // Writes that follow the answer (the actor's last writes, the lease release) belong to the lifecycle.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await commandStats(redis);
    const byCommand: [string, number][] = [];
    let total = 0;
    for (const [name, calls] of after) {
      // This measurement's own `INFO` (one before the window closed).
      const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
      if (delta <= 0) continue;
      byCommand.push([name, delta / runs]);
      total += delta;
    }
    byCommand.sort((a, b) => b[1] - a[1]);
    return { perLifecycle: total / runs, byCommand };
  } finally {
    redis.disconnect();
  }
}
