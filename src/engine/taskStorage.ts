import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../backends/TaskMessageQueue.js';

/*
 * Plain functions over the engine's store and queue, moved out of TaskEngine as it grows (its
 * header comment lists the delegations that come next).
 */

/**
 * Puts delivered requests that are still unanswered back at the front of the queue, for the next
 * `tasks/result` (the stream that carried them is gone). Best effort, never rejects: a store that
 * is away now must not turn a call's own answer into an error; the requests stay outstanding.
 */
export async function putBackUnanswered(
  queue: TaskMessageQueue,
  logger: Pick<Console, 'error'>,
  taskId: string,
  delivered: readonly QueuedRequest[],
): Promise<void> {
  try {
    const unanswered: QueuedMessage[] = [];
    for (const m of delivered) if (await queue.isOutstanding(taskId, m.requestId)) unanswered.push(m);
    if (unanswered.length > 0) await queue.requeue(taskId, unanswered);
  } catch (error) {
    logger.error(`mcp-task-actors: could not put back the requests of task ${taskId} for the next tasks/result`, error);
  }
}
