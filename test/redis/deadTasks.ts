import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../src/redis/keys.js';

/**
 * Writes a task as an instance that died leaves it: `working`, its runner gone, its lease (in the
 * hash and in the lease index) up at `leaseUntil`, its tool `job` (not restartable in the tests'
 * instances: a takeover fails it). `fields` are written over the usual ones. Returns its id.
 */
export async function plantDeadTask(
  admin: Redis,
  keys: RedisKeys,
  leaseUntil: number,
  fields: Record<string, string> = {},
  taskId = randomBytes(16).toString('hex'),
): Promise<string> {
  const now = new Date().toISOString();
  const restart = JSON.stringify({ tool: 'job', args: { key: 'k' } });
  await admin.hset(keys.task(taskId), {
    ...{ taskId, owner: 'alice', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: '60000', pollInterval: '100' },
    ...{ runner: 'gone', leaseUntil: String(leaseUntil), restart, ...fields },
  });
  await admin.pexpire(keys.task(taskId), 60_000);
  await admin.zadd(keys.leases, leaseUntil, taskId);
  return taskId;
}
