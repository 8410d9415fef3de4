/**
 * `promise`, or a rejection with `new Error(message)` once `ms` passed first; the timer is cleared
 * either way. The promise itself is not cancelled: a caller that gives up on it handles its late end.
 * `Infinity`: no bound (Node would fire such a timer after 1 ms).
 * @internal
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (ms === Infinity) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
