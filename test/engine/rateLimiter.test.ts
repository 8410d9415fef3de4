import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/engine/RateLimiter.js';

// The per-caller token buckets' bounds, which the protocol tests (test/protocol/limits.rate.test.ts)
// never reach: a limit with an unbounded side, and the cap on buckets kept.
describe('the rate limiter', () => {
  it('limits nothing, and keeps no bucket, when either side of its rate is unbounded', () => {
    for (const rate of [
      { perSecond: 10, burst: Infinity },
      { perSecond: Infinity, burst: 10 },
    ]) {
      const limiter = new RateLimiter('taskCreationRate', rate, () => 0);
      expect(limiter.enabled).toBe(false);
      for (let i = 0; i < 20; i++) expect(limiter.tryTake('caller')).toBe(0);
      expect(limiter.size).toBe(0);
    }
  });

  it('keeps at most 100,000 buckets: past that, the oldest caller starts again with a full bucket', () => {
    const limiter = new RateLimiter('taskOperationRate', { perSecond: 1, burst: 1 }, () => 0);
    expect(limiter.tryTake('first')).toBe(0);
    expect(limiter.tryTake('first')).toBe(1000);
    for (let i = 1; i < 100_000; i++) limiter.tryTake(`c${i}`);
    expect(limiter.size).toBe(100_000);
    expect(limiter.tryTake('first')).toBe(1000);
    limiter.tryTake('one more');
    expect(limiter.size).toBe(100_000);
    expect(limiter.tryTake('first')).toBe(0);
  });

  it('drops the buckets that are full again, once per refill window (at least 1 s), not before', () => {
    let now = 0;
    const limiter = new RateLimiter('taskOperationRate', { perSecond: 10, burst: 1 }, () => now);
    now = 1_000;
    limiter.tryTake('x');
    limiter.tryTake('a');
    now = 1_500;
    limiter.tryTake('b');
    // x and a are full again (a tenth of a second refills them), but the window since the last sweep is not over.
    expect(limiter.size).toBe(3);
    now = 2_000;
    limiter.tryTake('c');
    expect(limiter.size).toBe(1);
  });

  it('drops a bucket that is exactly full', () => {
    let now = 0;
    const limiter = new RateLimiter('taskOperationRate', { perSecond: 1, burst: 1 }, () => now);
    limiter.tryTake('a');
    now = 1_000;
    limiter.tryTake('b');
    expect(limiter.size).toBe(1);
  });
});
