/**
 * `call()`'s result as a promise, a synchronous throw included as its rejection: for code that
 * promises never to throw (a port's `ask`, a work's run) around callbacks that might.
 * @internal
 */
export function promised<T>(call: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}
