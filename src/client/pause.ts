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

/**
 * A signal that aborts (with the same reason) when any of `signals` does, for one request; `release`
 * takes its listeners off them once the request is over, as a signal shared by many requests (a
 * caller's) must not collect one per request.
 * @internal
 */
export function followSignals(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; release: () => void } {
  const own = new AbortController();
  const watched = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const follow = (): void => own.abort(firstAborted(watched)?.reason);
  const release = (): void => {
    for (const signal of watched) signal.removeEventListener('abort', follow);
  };
  const aborted = firstAborted(watched);
  if (aborted) own.abort(aborted.reason);
  else for (const signal of watched) signal.addEventListener('abort', follow, { once: true });
  return { signal: own.signal, release };
}

function firstAborted(signals: readonly AbortSignal[]): AbortSignal | undefined {
  return signals.find((signal) => signal.aborted);
}
