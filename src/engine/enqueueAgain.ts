import type { EnqueueOptions, QueuedMessage, TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import { isUnavailable } from '../errors.js';
import { nextBackoff, pause } from '../backoff.js';
import type { LiveTask } from './LiveTask.js';

/** How long a failed enqueue is tried again: as long as the task's store writes (StoreWriter). */
const ENQUEUE_RETRY_MS = 60_000;

/**
 * Tries a failed enqueue again with backoff while the queue is unavailable (a Redis Cluster slot
 * mid-migration, a master failing over), the work waits for it (task not ended, ask not abandoned)
 * and for up to {@link ENQUEUE_RETRY_MS}, else rejects with the last error. Each try passes the same
 * `message`: a queue unsure whether a failed try ran after all knows it by that (TaskOutbox.enqueue).
 */
export async function enqueueAgain(
  deps: { readonly queue: Pick<TaskMessageQueue, 'enqueue'> },
  taskId: string,
  live: LiveTask,
  message: QueuedMessage,
  error: unknown,
  options?: EnqueueOptions,
): Promise<number | void> {
  const started = Date.now();
  const still = (): boolean =>
    !live.over && !live.workAborted && (message.kind !== 'request' || live.pendingInput(message.requestId) !== undefined);
  // An error that is no outage (an McpError the queue meant for the client) fails at once, as before.
  for (let delay = 0; isUnavailable(error) && still() && Date.now() - started < ENQUEUE_RETRY_MS;) {
    // The task's end (a cancel, its ttl, the server closing) aborts the signal, ending the pause.
    await pause((delay = nextBackoff(delay, 50, 500)), live.signal, true);
    if (!still()) break;
    try {
      return await deps.queue.enqueue(taskId, message, options);
    } catch (next) {
      error = next;
    }
  }
  throw error;
}
