import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';

/**
 * The answer to a `tasks/cancel` of a running task whose end the store has not taken (yet): -32603,
 * the work stopped, the write retried. The store writer retries a failed settle for a minute, so
 * against a store that refuses writes (Redis out of memory, a read-only replica) the answer waited
 * that minute and then named the wrong cause; it now waits at most `storeTimeout` (TaskEngine.cancel).
 * @internal
 */
export function notStored(taskId: string): Error {
  return mcpError(
    ErrorCode.InternalError,
    `Task store unavailable: the cancel of task ${taskId} is not stored yet (its work is stopped; the write is retried)`,
  );
}
