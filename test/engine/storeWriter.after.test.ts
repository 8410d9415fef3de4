// A settle's retire runs as the task's last write is done (issue 14: it waited a `then` on the
// task's write chain, a turn and a promise per task's end): in the same turn as the last write,
// after any write chained behind the settle's, and after a failed write's retries.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveTask, SETTLED } from '../../src/engine/LiveTask.js';
import { StoreWriter } from '../../src/engine/StoreWriter.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

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
