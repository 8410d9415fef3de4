import { ErrorCode } from '../../wire.js';
import { mcpError } from '../../errors.js';
import { ANONYMOUS_OWNER, listUnavailable } from '../../session/caller.js';
import { listParams, setMethodHandler, taskIdParams } from '../../session/params.js';
import { takeOverResultCall } from './resultCalls.js';
import type { ServerBinding, ServerExtra } from '../../session/ServerBinding.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { toTask } from './wire.js';
import type { TaskResultHandler } from './TaskResultHandler.js';
import { InvalidCursorError } from '../../backends/TaskStore.js';

/**
 * The protocol revision 2025-11-25 binding: `tasks/get`, `tasks/result`, `tasks/list` and
 * `tasks/cancel` on one server, each a thin translation onto the engine.
 * @internal
 */
export function registerTaskMethods(
  binding: ServerBinding,
  engine: TaskEngine,
  resultHandler: TaskResultHandler,
  ownerOf: (extra: ServerExtra) => string,
  pageSize: number,
): void {
  const { server } = binding;
  server.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });

  setMethodHandler(server, 'tasks/get', taskIdParams, async (params, extra) => {
    const record = await engine.get(params.taskId, ownerOf(extra));
    return toTask(record);
  });

  setMethodHandler(server, 'tasks/result', taskIdParams, async (params, extra) => {
    const connection = binding.connection;
    if (!connection) throw mcpError(ErrorCode.InternalError, 'No connection for tasks/result');
    const current = takeOverResultCall(connection, params.taskId, extra);
    try {
      return await resultHandler.handle(params.taskId, ownerOf(extra), connection, current.call);
    } finally {
      current.release();
    }
  });

  setMethodHandler(server, 'tasks/list', listParams, async (params, extra) => {
    const owner = ownerOf(extra);
    // Anonymous callers share one owner: listing it would hand every caller everyone's task ids.
    if (owner === ANONYMOUS_OWNER) throw listUnavailable();
    try {
      const page = await engine.list(owner, params?.cursor, pageSize);
      const tasks = page.tasks.map(toTask);
      return page.nextCursor === undefined ? { tasks } : { tasks, nextCursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw mcpError(ErrorCode.InvalidParams, error.message);
      throw error;
    }
  });

  setMethodHandler(server, 'tasks/cancel', taskIdParams, async (params, extra) => {
    const record = await engine.cancel(params.taskId, ownerOf(extra));
    return toTask(record);
  });
}
