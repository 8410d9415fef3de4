// A task's first write starts at once (issue 14: a `then` on its already settled write chain put
// every settle a microtask later, and resolving that `then` with the write's promise cost two more),
// while a write that fails, even by throwing before it returns a promise, is still retried in order.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveTask, SETTLED } from '../../src/engine/LiveTask.js';
import { StoreWriter } from '../../src/engine/StoreWriter.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('the store writer', () => {
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
