import type { Queue } from 'bullmq';
import { withTimeout } from '../withTimeout.js';

/**
 * Closes a worker pool's queue, waiting at most `ms` for Redis to answer; `ownClient`: its client is
 * the pool's to end (see endClient).
 * @internal
 */
export async function closeQueue(queue: Queue, ms: number, ownClient: boolean): Promise<void> {
  const closing = queue.close().finally(() => (ownClient ? endClient(queue) : undefined));
  try {
    await withTimeout(closing, ms, 'queue close timed out');
  } catch {
    // A QUIT held until Redis is back (a client given to the pool): nothing waits for it any more.
    closing.catch(() => {});
  }
}

/**
 * Ends for good the client BullMQ made for a queue from the pool's options, once BullMQ's close is
 * done. BullMQ closes it with a QUIT, which a front's client refuses while Redis is away (its offline
 * queue is off); BullMQ then marks the client ended and takes its 'error' listener off, while ioredis
 * still has a reconnect scheduled: the client would reconnect for good, each refused attempt an
 * unheard 'error' (printed on stderr by ioredis), and hold a connection nobody closes once Redis is
 * back. A disconnect cancels that reconnect; on a client that did end it changes nothing.
 */
async function endClient(queue: Queue): Promise<void> {
  // A client whose connection never became ready: BullMQ disconnected it itself.
  const client = await queue.getBackend().client.catch(() => undefined);
  if (!client) return;
  // The pool is closed: nothing is left to report to, but no 'error' may go unheard.
  client.on('error', () => {});
  client.disconnect();
}
