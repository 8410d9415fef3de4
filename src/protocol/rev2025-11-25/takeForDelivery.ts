import type { QueuedMessage, QueuedRequest } from '../../backends/TaskMessageQueue.js';
import type { TaskStorage } from '../../engine/taskStorage.js';
import { isTerminal } from '../../types.js';
import type { TaskRecord } from '../../types.js';

/** What a `tasks/result` sends of a taken batch, and the requests it holds back. */
export interface TakenBatch {
  send: QueuedMessage[];
  unsent: QueuedRequest[];
}

/**
 * Takes the task's queue for a `tasks/result` to deliver. `end`: whether the task was terminal when
 * read just before the take, or how to read it now (only done when a request was taken: batches
 * without one need not know, and the common path makes no read more).
 *
 * An ended task's requests are not sent, since no run can use their answers. Only a leftover puts
 * one there: a process that died between storing the task's end and clearing its queue, a clear
 * that failed, a work that asked as it was cancelled, an older instance; its client was asked the
 * dead run's question before getting the result. The caller drops `unsent` (TaskStorage
 * `dropRequests`), so no key of them is left until the queue's expiry. Notifications
 * taken with them (progress, logs) are still sent before the answer. A read that fails puts the
 * whole batch back and rejects.
 * @internal
 */
export async function takeForDelivery(
  storage: Pick<TaskStorage, 'takeMessages' | 'returnMessages'>,
  logger: Pick<Console, 'error'>,
  taskId: string,
  end: boolean | (() => Promise<TaskRecord>),
): Promise<TakenBatch> {
  const taken = await storage.takeMessages(taskId);
  if (end === false || !taken.some(isRequest)) return { send: taken, unsent: NO_MESSAGES };
  if (end !== true) {
    let record: TaskRecord;
    try {
      record = await end();
    } catch (error) {
      await storage.returnMessages(taskId, taken).catch((requeueError: unknown) => logPutBackFailure(logger, taskId, requeueError));
      throw error;
    }
    if (!isTerminal(record.status)) return { send: taken, unsent: NO_MESSAGES };
  }
  return { send: taken.filter((message) => !isRequest(message)), unsent: taken.filter(isRequest) };
}

/** Logs a put-back of a task's messages that failed. @internal */
export function logPutBackFailure(logger: Pick<Console, 'error'>, taskId: string, error: unknown): void {
  logger.error(`mcp-task-actors: could not put back the messages of task ${taskId}`, error);
}

/** Never changed: the `unsent` of a batch with nothing held back. */
const NO_MESSAGES: QueuedRequest[] = [];

function isRequest(message: QueuedMessage): message is QueuedRequest {
  return message.kind === 'request';
}
