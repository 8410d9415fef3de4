/**
 * Waits for a condition by yielding to the event loop (setImmediate), never on setTimeout, so it
 * keeps working while a test has faked the timers. Gives up after `budgetMs` of real time.
 */
export async function until(check: () => boolean, what: string, budgetMs = 5000): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > budgetMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Lets every already-scheduled message, microtask and I/O callback run (a few event-loop turns). */
export async function drain(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** How a promise ended, captured so a test can inspect it later without an unhandled rejection. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value, plus whether it has settled yet. */
export interface Tracked<T> {
  readonly done: Promise<Settled<T>>;
  readonly settled: Settled<T> | undefined;
}

/** Tracks `promise`; `settled` stays undefined until it resolves or rejects. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: { done: Promise<Settled<T>>; settled: Settled<T> | undefined } = {
    settled: undefined,
    done: promise.then(
      (value) => (tracked.settled = { ok: true, value }),
      (error: unknown) => (tracked.settled = { ok: false, error }),
    ),
  };
  return tracked;
}
