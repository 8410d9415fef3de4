import type http from 'node:http';

/**
 * Writes a fetch `Response`'s body to a Node response as it comes, reading the next chunk only when
 * the socket took the last one. Without waiting for `'drain'`, a client that stopped reading an event
 * stream (a task subscription, say) had everything the server emitted held in this process's
 * response buffer, without bound, however the stream itself was bounded. A client that goes away
 * cancels the body (as fetch-native hosts do), so v2 forgets that stream.
 */
export async function writeBody(response: Response, res: http.ServerResponse): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => {}));
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (!res.write(next.value) && !res.destroyed) await drained(res);
  }
}

/** Resolves when `res` can take more, or is closed (its reader is cancelled then, and the loop ends). */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
