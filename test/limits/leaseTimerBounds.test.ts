/**
 * The lease options are the delays of the renew and sweep timers (renewals default to a third of
 * the lease). Node fires a timer longer than 2^31 - 1 ms after 1 ms, so a lease or sweep meant to be
 * very long renewed and swept every millisecond: each is refused at construction, before any client
 * is made (so no Redis is needed here: nothing listens on the URL).
 */
import { describe, expect, it } from 'vitest';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { LeaseOptions } from '../../src/redis/RedisTaskCluster.js';
import { checkLeaseOptions } from '../../src/redis/RedisTaskCluster.js';
import { MAX_TIMER_MS } from '../../src/timerBounds.js';

// Port 1: nothing listens there; a check that let the options through would fail on the connection instead.
const nowhere = { url: 'redis://127.0.0.1:1', redis: { retryStrategy: () => null } };

describe('lease options past the longest timer', () => {
  it.each<[LeaseOptions, string]>([
    [{ leaseMs: MAX_TIMER_MS + 1 }, 'leaseMs'],
    [{ leaseMs: 2 ** 40 }, 'leaseMs'],
    [{ leaseMs: Number.MAX_SAFE_INTEGER, renewEveryMs: MAX_TIMER_MS + 1 }, 'leaseMs'],
    [{ leaseMs: MAX_TIMER_MS, renewEveryMs: MAX_TIMER_MS + 1 }, 'renewEveryMs'],
    [{ sweepEveryMs: MAX_TIMER_MS + 1 }, 'sweepEveryMs'],
  ])('refuses %o with a RangeError naming %s', async (lease, name) => {
    const made = createRedisTaskBackend({ ...nowhere, ...lease });
    await expect(made).rejects.toBeInstanceOf(RangeError);
    await expect(made).rejects.toThrow(new RegExp(`^${name} must be at most ${MAX_TIMER_MS} ms`));
  });

  it('takes MAX_TIMER_MS itself', () => {
    expect(() => checkLeaseOptions({ leaseMs: MAX_TIMER_MS, sweepEveryMs: MAX_TIMER_MS })).not.toThrow();
    expect(() => checkLeaseOptions({ leaseMs: MAX_TIMER_MS, renewEveryMs: MAX_TIMER_MS - 1 })).not.toThrow();
  });
});
