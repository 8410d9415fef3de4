import { describe, expect, it } from 'vitest';
import { LIMIT_EXCEEDED } from '../../src/index.js';
import { RateLimiter } from '../../src/engine/RateLimiter.js';

/** A limiter on a clock the test moves. */
function limiter(perSecond: number, burst: number) {
  let now = 1_000;
  const rate = new RateLimiter('taskCreationRate', { perSecond, burst }, () => now);
  return { rate, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('answers -32029 with the limit, its rate and the wait, and a refused request takes no token', () => {
    const { rate, advance } = limiter(4, 2);
    rate.take('a', 'task creations');
    rate.take('a', 'task creations');
    let refused: unknown;
    try {
      rate.take('a', 'task creations');
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      code: LIMIT_EXCEEDED,
      data: { limit: 'taskCreationRate', max: 4, retryAfterMs: 250 },
    });
    expect((refused as Error).message).toMatch(
      /Too many task creations from this caller \(taskCreationRate 4\/s, burst 2\); retry in 250 ms$/,
    );
    // Refusals cost nothing: however many, the wait stays what the refill needs.
    for (let i = 0; i < 10; i++) expect(rate.tryTake('a')).toBe(250);
    advance(100);
    expect(rate.tryTake('a')).toBe(150);
  });

  it('retryAfterMs is exact: one ms earlier is refused, at it the request passes', () => {
    for (const [perSecond, burst] of [
      [3, 1],
      [7, 2],
      [0.5, 1],
      [1000, 5],
    ] as const) {
      const { rate, advance } = limiter(perSecond, burst);
      for (let i = 0; i < burst; i++) expect(rate.tryTake('k')).toBe(0);
      const wait = rate.tryTake('k');
      expect(wait).toBeGreaterThan(0);
      advance(wait - 1);
      expect(rate.tryTake('k')).toBeGreaterThan(0);
      advance(1);
      expect(rate.tryTake('k')).toBe(0);
    }
  });

  it('giveBack returns the token a later check refused, never past the burst', () => {
    const { rate } = limiter(0.001, 2);
    rate.take('a', 'task creations');
    rate.giveBack('a');
    rate.take('a', 'task creations');
    rate.take('a', 'task creations');
    expect(rate.tryTake('a')).toBeGreaterThan(0);
    rate.giveBack('a');
    expect(rate.tryTake('a')).toBe(0);
    // Never more than the burst, and nothing for a caller without a bucket.
    for (let i = 0; i < 5; i++) rate.giveBack('a');
    expect(rate.tryTake('a')).toBe(0);
    expect(rate.tryTake('a')).toBe(0);
    expect(rate.tryTake('a')).toBeGreaterThan(0);
    rate.giveBack('nobody');
    expect(rate.size).toBe(1);
  });
});
