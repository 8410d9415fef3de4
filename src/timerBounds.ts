/**
 * The longest delay `setTimeout` takes (~24.8 days): beyond it (or below 0) Node fires the timer
 * after 1 ms, so a long ttl or a peer's huge poll interval would become a busy loop.
 * @internal
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The shortest poll interval followed, whatever a peer suggests: 0 or a negative one polled every 1 ms. */
const MIN_POLL_INTERVAL_MS = 10;

/**
 * A peer's suggested poll interval as a timer can follow it: floored at 10 ms, capped at
 * {@link MAX_TIMER_MS}; `fallback` when there is none or it is no finite number. Used for the
 * server's suggestion by the extension client and for the client's by a client-task follow.
 * @internal
 */
export function followablePollInterval<F>(suggested: number | undefined, fallback: F): number | F {
  if (suggested === undefined || !Number.isFinite(suggested)) return fallback;
  return Math.min(MAX_TIMER_MS, Math.max(MIN_POLL_INTERVAL_MS, suggested));
}

/**
 * A duration option as a timer can wait it: `undefined` for none (`Infinity`, and `0` where
 * `zeroIsNone`), else `ms` itself.
 * @throws RangeError, naming the option, for NaN, a negative value (or `0` where it is not "none"),
 * or one past {@link MAX_TIMER_MS}: Node would fire such a timer after 1 ms, so a deadline meant to
 * be long (or "never", as `Infinity` reads) would strike at once.
 * @internal
 */
export function timerOption(name: string, ms: number, zeroIsNone = false): number | undefined {
  if (ms === Infinity || (zeroIsNone && ms === 0)) return undefined;
  if (ms > 0 && ms <= MAX_TIMER_MS) return ms;
  throw new RangeError(`${name} must be ${zeroIsNone ? '0, ' : ''}Infinity or a number of ms from 1 to ${MAX_TIMER_MS}; got ${ms}`);
}

/**
 * Calls `fn` once `ms` have passed, however long that is: waited out in timers of at most
 * {@link MAX_TIMER_MS}, since one longer timer fires after 1 ms. `ms` must be finite. Returns the cancel.
 * @internal
 */
export function steppedTimeout(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = (left: number): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => (left > step ? wait(left - step) : fn()), step);
  };
  wait(ms);
  return () => clearTimeout(timer);
}
