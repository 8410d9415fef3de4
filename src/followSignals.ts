/**
 * A signal that aborts (with the same reason) when any of `signals` does, for one request; `release`
 * takes its listeners off them once the request is over, as a signal shared by many requests (a
 * caller's, a follow's) must not collect one per request. Used by client/ and engine/ alike.
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

/** The first of `signals` that aborted, if any. @internal */
export function firstAborted(signals: readonly AbortSignal[]): AbortSignal | undefined {
  return signals.find((signal) => signal.aborted);
}
