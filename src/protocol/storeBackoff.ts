/**
 * Waiting out a store that is away (Redis restarting, or its connections not all back yet), shared
 * by the protocol calls that stay open across it: `tasks/result` and `subscriptions/listen` look
 * again after a pause that doubles from 50 ms up to 1 s.
 * @internal
 */

/** Longest pause between two looks: bounds how late a call notices the store is back. */
const MAX_BACKOFF_MS = 1_000;

/** The pause after `previous` (0: the first failure). @internal */
export function nextBackoff(previous: number): number {
  return Math.min(previous === 0 ? 50 : previous * 2, MAX_BACKOFF_MS);
}

/** Resolves after `ms`, or at once when `signal` aborts (the call went away). @internal */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
