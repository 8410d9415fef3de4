import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { McpError } from '../wire.js';

/**
 * A task stored whose lease this instance could not take (`TaskCluster.claim` rejected): no actor
 * runs it, and with no lease no sweep ever takes it over, so it would stay `working` until its ttl
 * under an id its caller never got. Forgets it (record, outcome, queue) and returns the error for
 * the caller: -32603 with one line, the cluster's own error only in the log (it may be a raw Redis
 * reply). A forget that fails too is logged.
 * @internal
 */
export async function unclaimed(
  actions: { forget(taskId: string): Promise<void> },
  logger: Pick<Console, 'error'>,
  taskId: string,
  cause: unknown,
): Promise<McpError> {
  logger.error(`mcp-task-actors: could not take the lease of new task ${taskId}; the task is dropped`, cause);
  await actions.forget(taskId).catch((error: unknown) => logger.error(`mcp-task-actors: could not drop unclaimed task ${taskId}`, error));
  return mcpError(ErrorCode.InternalError, 'Task cluster unavailable: the new task could not be claimed (details in the server log)');
}
