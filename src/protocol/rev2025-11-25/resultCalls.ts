import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Connection } from '../../session/SessionRouter.js';
import { STOP_WAITING } from '../../backends/Waiters.js';

/** The open `tasks/result` call per task, for each connection. */
const open = new WeakMap<Connection, Map<string, AbortController>>();

/**
 * Makes a new `tasks/result` for a task take over from an older one on the same connection.
 *
 * Over Streamable HTTP a client whose response stream drops (network loss, a closed client that
 * resumes its session) leaves the old call's handler waiting forever: the SDK does not abort a
 * handler when its stream goes away. That handler still holds the input requests it delivered, so
 * the next `tasks/result` would never see them and the task would wait for an answer nobody can
 * give. Aborting the older call puts those requests back in the queue, and the newer call asks
 * them again. A client that really waits on two calls for one task on one connection gets -32001
 * on the older one and its answer on the newer.
 * @internal
 */
export function takeOverResultCall(
  connection: Connection,
  taskId: string,
  call: { requestId: RequestId; signal: AbortSignal },
): { call: { requestId: RequestId; signal: AbortSignal }; release(): void } {
  let calls = open.get(connection);
  if (!calls) open.set(connection, (calls = new Map()));
  calls.get(taskId)?.abort(STOP_WAITING);
  // Aborted by the call's own signal or by a newer call (AbortSignal.any needs Node 20.3).
  const mine = new AbortController();
  const follow = (): void => mine.abort(STOP_WAITING);
  if (call.signal.aborted) mine.abort(STOP_WAITING);
  else call.signal.addEventListener('abort', follow, { once: true });
  calls.set(taskId, mine);
  return {
    call: { requestId: call.requestId, signal: mine.signal },
    release: () => {
      call.signal.removeEventListener('abort', follow);
      if (calls.get(taskId) === mine) calls.delete(taskId);
    },
  };
}
