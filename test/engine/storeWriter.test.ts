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

// A task's first write starts at once (issue 14: a `then` on its already settled write chain put
// every settle a microtask later, and resolving that `then` with the write's promise cost two more),
// while a write that fails, even by throwing before it returns a promise, is still retried in order.
describe('the store writer: the first try', () => {
  it('starts the write of a task with none in flight at once, and the next one after it', async () => {
    const writer = new StoreWriter({ error: () => {} }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const started: string[] = [];
    let release = (): void => {};
    writer.write('t1', live, () => {
      started.push('first');
      return new Promise<void>((resolve) => (release = resolve));
    });
    writer.write('t1', live, async () => void started.push('second'));
    expect(started).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['first']);
    release();
    await live.writes;
    expect(started).toEqual(['first', 'second']);
    expect(live.writes).toBe(SETTLED);
  });

  it('retries a write that throws before returning a promise, without throwing out of write', async () => {
    const errors: unknown[][] = [];
    const writer = new StoreWriter({ error: (...args: unknown[]) => void errors.push(args) }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const tries: number[] = [];
    const done: string[] = [];
    const step = (): Promise<void> => {
      tries.push(Date.now());
      if (tries.length < 3) throw new Error('store away');
      done.push('first');
      return Promise.resolve();
    };
    expect(() => writer.write('t1', live, step)).not.toThrow();
    writer.write('t1', live, async () => void done.push('second'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tries).toEqual([0, 50, 150]);
    expect(done).toEqual(['first', 'second']);
    expect(errors).toEqual([]);
    expect(live.writes).toBe(SETTLED);
  });

  it('gives a first write that keeps failing up while closing, logging it once', async () => {
    const errors: unknown[][] = [];
    const writer = new StoreWriter({ error: (...args: unknown[]) => void errors.push(args) }, () => true);
    const live = new LiveTask({} as TaskSpec);
    const failure = new Error('store away');
    writer.write('t1', live, () => Promise.reject(failure));
    await live.writes;
    expect(errors).toEqual([['mcp-task-actors: storing task t1 failed', failure]]);
    expect(live.writes).toBe(SETTLED);
  });
});

// A settle's retire runs as the task's last write is done (issue 14: it waited a `then` on the
// task's write chain, a turn and a promise per task's end): in the same turn as the last write,
// after any write chained behind the settle's, and after a failed write's retries.
describe("the store writer's after-write callback", () => {
  it('runs in the turn the write is done, with the chain back to the settled promise', async () => {
    const writer = new StoreWriter({ error: () => {} }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const seen: string[] = [];
    writer.write(
      't1',
      live,
      async () => void seen.push('write'),
      () => seen.push(`after (chain settled: ${String(live.writes === SETTLED)})`),
    );
    const written = live.writes;
    await written;
    // Ran before the write's own promise resolved to anyone waiting on it.
    expect(seen).toEqual(['write', 'after (chain settled: true)']);
  });

  it('waits for a write chained behind it before running', async () => {
    const writer = new StoreWriter({ error: () => {} }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const seen: string[] = [];
    let release = (): void => {};
    writer.write(
      't1',
      live,
      () => new Promise<void>((resolve) => (release = resolve)),
      () => seen.push('after'),
    );
    writer.write('t1', live, async () => void seen.push('later write'));
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['later write', 'after']);
    expect(live.writes).toBe(SETTLED);
  });

  it('runs once a failing write was retried until it was stored', async () => {
    const writer = new StoreWriter({ error: () => {} }, () => false);
    const live = new LiveTask({} as TaskSpec);
    const seen: string[] = [];
    let tries = 0;
    writer.write(
      't1',
      live,
      async () => {
        if (++tries < 3) throw new Error('store away');
        seen.push('stored');
      },
      () => seen.push('after'),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual(['stored', 'after']);
    expect(tries).toBe(3);
  });
});
