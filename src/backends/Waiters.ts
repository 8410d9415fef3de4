/**
 * The reason to abort a controller that only releases waits. `abort()` without a reason builds a
 * DOMException with a stack each time (about 4% of a task lifecycle's CPU in a one-off profile of
 * `tasks/result`; bench/workloads/speed.ts measures the lifecycle's throughput); nothing ever
 * reads this reason.
 * @internal
 */
export const STOP_WAITING: unknown = Object.freeze({ stopped: 'no longer waiting' });

/**
 * One-shot wake-ups keyed by task id: the event-driven replacement for a poll loop.
 * @internal
 */
export class Waiters {
  private readonly byKey = new Map<string, Set<() => void>>();

  /** Resolves on the next `wake(key)` or when `signal` aborts. */
  wait(key: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      const done = (): void => {
        signal.removeEventListener('abort', done);
        const current = this.byKey.get(key);
        if (current) {
          current.delete(done);
          if (current.size === 0) this.byKey.delete(key);
        }
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter of `key`. */
  wake(key: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const done of [...set]) done();
  }

  /** Wakes every waiter of every key (e.g. after a lost connection, so each re-checks). */
  wakeAll(): void {
    for (const key of [...this.byKey.keys()]) this.wake(key);
  }

  /** How many keys have waiters (for leak checks). */
  get size(): number {
    return this.byKey.size;
  }
}
