import { firstAborted } from '../followSignals.js';

/**
 * Waits `ms`, or less when `wake` (handed to `onWake`) is called; rejects with its reason as soon
 * as one of `signals` aborts (the caller's, or the connection's closing), clearing the timer so a
 * long poll interval keeps nothing alive after that.
 * @internal
 */
export function pause(ms: number, signals: readonly (AbortSignal | undefined)[], onWake: (wake: () => void) => void): Promise<void> {
  const watched = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return new Promise((resolve, reject) => {
    const aborted = firstAborted(watched);
    if (aborted) return reject(aborted.reason);
    const end = (): void => {
      clearTimeout(timer);
      for (const signal of watched) signal.removeEventListener('abort', onAbort);
    };
    const finish = (): void => {
      end();
      resolve();
    };
    const onAbort = (): void => {
      end();
      reject(firstAborted(watched)?.reason);
    };
    const timer = setTimeout(finish, ms);
    for (const signal of watched) signal.addEventListener('abort', onAbort, { once: true });
    onWake(finish);
  });
}
