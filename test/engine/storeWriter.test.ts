import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveTask, SETTLED } from '../../src/engine/LiveTask.js';
import { StoreWriter } from '../../src/engine/StoreWriter.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';

// The retry pace of a store write while the store is away (the Redis outage tests see only that it
// lands soon after the store is back): 50 ms doubling to a 500 ms cap, given up after a minute.
beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('the store writer', () => {
  it('tries a failing write again at 50 ms doubling up to 500 ms, in order with the next write', async () => {
    const errors: unknown[][] = [];
    const writer = new StoreWriter({ error: (...args: unknown[]) => void errors.push(args) }, () => false);
    const tries: number[] = [];
    const done: string[] = [];
    const live = new LiveTask({} as TaskSpec);
    writer.write('t1', live, async () => {
      tries.push(Date.now());
      if (tries.length < 8) throw new Error('store away');
      done.push('first');
    });
    writer.write('t1', live, async () => void done.push('second'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(tries).toEqual([0, 50, 150, 350, 750, 1250, 1750, 2250]);
    expect(done).toEqual(['first', 'second']);
    expect(errors).toEqual([]);
  });

  it('lets the task hold the shared settled promise again once its last write is done, not while one waits', async () => {
    const writer = new StoreWriter({ error: () => {} }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const releases: (() => void)[] = [];
    const blocked = () => new Promise<void>((resolve) => releases.push(resolve));
    writer.write('t1', live, blocked);
    const first = live.writes;
    expect(first).not.toBe(SETTLED);
    writer.write('t1', live, blocked);
    const second = live.writes;
    expect(second).not.toBe(first);
    await vi.advanceTimersByTimeAsync(10);
    releases[0]!();
    await first;
    await vi.advanceTimersByTimeAsync(10);
    // The first write is done, the second still waits: what a status() caller awaits is the chain.
    expect(releases).toHaveLength(2);
    expect(live.writes).toBe(second);
    releases[1]!();
    await second;
    expect(live.writes).toBe(SETTLED);
  });

  it('gives a write up after a minute, logging it, and at once while closing', async () => {
    const errors: unknown[][] = [];
    let closing = false;
    const writer = new StoreWriter({ error: (...args: unknown[]) => void errors.push(args) }, () => closing);
    const failure = new Error('store away');
    const settled = writer.retrying('t1', () => Promise.reject(failure));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    await settled;
    expect(errors).toEqual([['mcp-task-actors: storing task t1 failed', failure]]);
    closing = true;
    await writer.retrying('t2', () => Promise.reject(failure), 'deleting task');
    expect(errors[1]).toEqual(['mcp-task-actors: deleting task t2 failed', failure]);
  });
});
