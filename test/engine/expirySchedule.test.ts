import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpirySchedule } from '../../src/engine/ExpirySchedule.js';

// The engine's ttl deadlines behind one timer (a min-heap): reached only through tasks' ttls in the
// engine tests, where few deadlines are pending at once. Here many are, in a scrambled order.
beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** 64 distinct due times 1..64 ms, scheduled in a fixed scrambled order (37 is coprime with 64). */
const DUE = Array.from({ length: 64 }, (_, i) => ((i * 37) % 64) + 1);

describe('the expiry schedule', () => {
  it('fires each deadline at its time, not before, once, in due order', () => {
    const fired: string[] = [];
    const schedule = new ExpirySchedule((key) => fired.push(key));
    for (const at of DUE) schedule.schedule(`k${at}`, at);
    expect(schedule.size).toBe(64);
    for (let now = 1; now <= 64; now++) {
      vi.advanceTimersByTime(1);
      expect(fired, `at ${now} ms`).toEqual(Array.from({ length: now }, (_, i) => `k${i + 1}`));
      expect(schedule.size).toBe(64 - now);
    }
    vi.advanceTimersByTime(1_000);
    expect(fired).toHaveLength(64);
  });

  it('fires every deadline due by the time its timer runs, in due order, and keeps the later ones', () => {
    const fired: string[] = [];
    const schedule = new ExpirySchedule((key) => fired.push(key));
    for (const at of DUE) schedule.schedule(`k${at}`, at * 10);
    vi.advanceTimersByTime(325);
    expect(fired).toEqual(Array.from({ length: 32 }, (_, i) => `k${i + 1}`));
    expect(schedule.size).toBe(32);
    schedule.schedule('early', 330);
    vi.advanceTimersByTime(10);
    expect(fired.slice(32)).toEqual(['k33', 'early']);
    vi.advanceTimersByTime(310);
    expect(fired.slice(34)).toEqual(Array.from({ length: 31 }, (_, i) => `k${i + 34}`));
    expect(schedule.size).toBe(0);
  });

  it('fires nothing after stop', () => {
    const fired: string[] = [];
    const schedule = new ExpirySchedule((key) => fired.push(key));
    schedule.schedule('a', 5);
    schedule.stop();
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([]);
    expect(schedule.size).toBe(0);
  });

  it('skips dropped deadlines, and fires the others in due order after the heap is rebuilt without them', () => {
    const fired: string[] = [];
    const schedule = new ExpirySchedule((key) => fired.push(key));
    for (const at of DUE) schedule.schedule(`k${at}`, at);
    // Every third one dropped (21: not yet more than half, so no rebuild), then 12 more (33 of 64: a rebuild).
    const dropped = DUE.filter((at) => at % 3 === 0);
    for (const at of dropped) schedule.drop(`k${at}`);
    expect(schedule.size).toBe(64 - 21);
    const more = DUE.filter((at) => at % 3 !== 0).slice(0, 12);
    for (const at of more) schedule.drop(`k${at}`);
    expect(schedule.size).toBe(64 - 33);
    vi.advanceTimersByTime(100);
    const gone = new Set([...dropped, ...more]);
    expect(fired).toEqual(
      Array.from({ length: 64 }, (_, i) => i + 1)
        .filter((at) => !gone.has(at))
        .map((at) => `k${at}`),
    );
    expect(schedule.size).toBe(0);
  });

  it('keeps no more dropped deadlines than live ones (tasks forgotten early, one after another)', () => {
    const schedule = new ExpirySchedule(() => {});
    for (let i = 0; i < 1_000; i++) {
      schedule.schedule(`t${i}`, 60_000 + i);
      if (i % 10 !== 0) schedule.drop(`t${i}`);
    }
    expect(schedule.size).toBe(100);
    // What the heap holds: its arrays are private, so through the count a rebuild leaves.
    expect((schedule as unknown as { count: number }).count).toBeLessThanOrEqual(2 * 100 + 1);
  });
});
