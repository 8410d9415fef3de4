import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { TaskRecord } from '../types.js';

/**
 * A running task's cancel, as the `tasks/cancel` answer waits for it: `ended` (its actor's end,
 * stored, or undefined when the store refused it), or -32603 once `timeoutMs` passed first. The
 * store writer retries a failed settle for a minute, so against a store that refuses writes (Redis
 * out of memory, a read-only replica) the answer took a minute and then named the wrong cause; the
 * write goes on being retried after this answer. No `timeoutMs`, or `Infinity` (a store that cannot stall): no timer.
 * @internal
 */
export function cancelStored(
  ended: Promise<TaskRecord | undefined>,
  timeoutMs: number | undefined,
  taskId: string,
): Promise<TaskRecord | undefined> {
  if (timeoutMs === undefined || timeoutMs === Infinity) return ended;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(notStored(taskId)), timeoutMs);
  });
  return Promise.race([ended, late]).finally(() => clearTimeout(timer));
}

/** The answer to a cancel whose end the store has not taken (yet): the work is stopped, the write retried. */
export function notStored(taskId: string): Error {
  return mcpError(
    ErrorCode.InternalError,
    `Task store unavailable: the cancel of task ${taskId} is not stored yet (its work is stopped; the write is retried)`,
  );
}
