/**
 * `promise`, or a rejection once `ms` passed first: `new Error(message)`, or what `error` makes when
 * given a function. The timer is cleared either way. The promise itself is not cancelled: a caller
 * that gives up on it handles its late end. `Infinity`: no bound (Node would fire such a timer
 * after 1 ms).
 * @internal
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, error: string | (() => Error)): Promise<T> {
  if (ms === Infinity) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(typeof error === 'string' ? new Error(error) : error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
