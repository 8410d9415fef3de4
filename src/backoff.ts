/**
 * Doubling pauses between retries, shared by what waits out a backend that is away: `tasks/result`
 * and `subscriptions/listen` look at the store again (50 ms up to 1 s, the defaults), a front
 * retries settling a task it could not dispatch, a worker tries its take of a job again (0.1 s up to
 * 1 s, for 5 s: takeRetries.ts), a runner's answer is sent again while its
 * subscriber reconnects.
 * @internal
 */

/** The pause after `previous` (0: the first failure): `first`, then doubling up to `max`. @internal */
export function nextBackoff(previous: number, first = 50, max = 1_000): number {
  return Math.min(previous === 0 ? first : previous * 2, max);
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (the call went away). `unref`: the wait does
 * not keep the process alive (a background retry that may wait for Redis for hours).
 * @internal
 */
export function pause(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (unref) timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });
}
