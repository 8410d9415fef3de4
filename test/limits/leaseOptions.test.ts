import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import { ownRedis } from '../support/ownRedis.js';

// The lease options are ms counts the renew and sweep timers run on. Unchecked, NaN ran both every
// millisecond (Node's floor for setInterval) and a renewal slower than the lease let every task of
// a live instance be taken over; each is refused at construction, before any client connects.

const redis = ownRedis();
const made: RedisTaskBackend[] = [];
afterEach(async () => {
  for (const backend of made.splice(0)) await backend.close();
});

const open = async (lease: Partial<RedisTaskBackendOptions>) => {
  const backend = await createRedisTaskBackend({ url: redis.url, prefix: `l${randomBytes(4).toString('hex')}:`, ...lease });
  made.push(backend);
  return backend;
};

describe('lease options', () => {
  it.each([
    [{ leaseMs: Number.NaN }, /leaseMs must be a whole number of ms of at least 1, got NaN/],
    [{ leaseMs: 0 }, /leaseMs must be a whole number/],
    [{ renewEveryMs: -5 }, /renewEveryMs must be a whole number/],
    [{ sweepEveryMs: 0.5 }, /sweepEveryMs must be a whole number/],
    [{ sweepEveryMs: Infinity }, /sweepEveryMs must be a whole number/],
    [{ leaseMs: 1_000, renewEveryMs: 1_000 }, /renewEveryMs \(1000\) must be less than leaseMs \(1000\)/],
    [{ renewEveryMs: 20_000 }, /renewEveryMs \(20000\) must be less than leaseMs \(10000\)/],
  ])('refuses %o with a RangeError', async (lease, message) => {
    await expect(open(lease)).rejects.toThrow(message);
    await expect(open(lease)).rejects.toBeInstanceOf(RangeError);
  });

  it('takes whole numbers with renewals inside the lease', async () => {
    await expect(open({ leaseMs: 600, renewEveryMs: 200, sweepEveryMs: 100 })).resolves.toBeDefined();
    await expect(open({})).resolves.toBeDefined();
  });
});
