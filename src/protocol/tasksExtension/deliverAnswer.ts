import { sendAnswer } from '../../engine/ClusterLink.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { mcpError } from '../../errors.js';
import { isTerminal } from '../../types.js';
import type { Answer } from '../../types.js';
import { ErrorCode } from '../../wire.js';

/**
 * Hands one `tasks/update` answer to the task's work, and resolves only once the cluster's send of
 * it is over: at once when the task runs here (or there is no cluster); else when the instance that
 * runs the task received it, or no instance will. `tasks/update`'s acknowledgement waits for this.
 *
 * Why not `engine.answer` alone: on another instance it forwards without waiting, and the ack went
 * out before the forward did. An ack commits the client (ext-tasks' requester marks the key
 * answered and never answers it again, as does TasksExtensionClient; the spec: "Clients SHOULD
 * track inputRequests keys to avoid responding to requests more than once"), while the answer lived
 * only in the forward in flight: this instance killed before its PUBLISH left lost it, and the
 * request stayed listed, the task `input_required` until its ttl. Killed now, the client sees its
 * update fail and answers again.
 *
 * No instance received it within the runner's lease: the runner is gone (its lease lapsed), and the
 * takeover voids its requests (the task fails, or runs again and asks anew). Acknowledged, as a key
 * no longer outstanding is (spec: "ignore"); an error here made a client give up on a task a
 * survivor was about to run again. Redis away past the send's retries: -32603 while the request is
 * still outstanding, so the client knows to send it again.
 */
export async function deliverAnswer(engine: TaskEngine, taskId: string, requestId: string, answer: Answer): Promise<void> {
  const { cluster, logger } = engine.options;
  if (!cluster || engine.taskActor(taskId)) return engine.answer(taskId, requestId, answer);
  try {
    await sendAnswer(cluster, logger, taskId, requestId, answer);
  } catch (error) {
    if (!(await stillAwaited(engine, taskId, requestId))) return;
    logger.error(`mcp-task-actors: could not pass an answer to ${requestId} on to task ${taskId}`, error);
    throw mcpError(
      ErrorCode.InternalError,
      `Could not pass the answer to ${requestId} on to the server instance running task ${taskId}; it is still outstanding: send it again`,
    );
  }
}

/** Whether the task is still running and `requestId` still outstanding (a store that fails throws its error). */
async function stillAwaited(engine: TaskEngine, taskId: string, requestId: string): Promise<boolean> {
  const record = await engine.storage.find(taskId);
  if (!record || isTerminal(record.status)) return false;
  return engine.storage.isOutstanding(taskId, requestId);
}
