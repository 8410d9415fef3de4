import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSession } from '../../engine/TaskEngine.js';
import { mcpError } from '../../errors.js';
import type { TaskRecord } from '../../types.js';
import { InvalidCursorError } from '../../backends/TaskStore.js';
import { ANONYMOUS_OWNER, listUnavailable } from '../../session/caller.js';
import type { ProtocolHandlers, RequestScope } from '../../session/dispatch.js';
import { listParams, parseParams, taskIdOf, toolCallParams } from '../../session/params.js';
import type { SessionRouter } from '../../session/SessionRouter.js';
import {
  checkToolCallResult,
  directToolCall,
  requestFields,
  serverToolCall,
  taskSettle,
  taskWork,
  taskToolOf,
  toolArguments,
} from '../../session/toolCall.js';
import { ErrorCode } from '../../wire.js';
import type { ProtocolDeps } from '../ProtocolDeps.js';
import { Rev2025Session } from './Rev2025Session.js';
import { TaskResultHandler } from './TaskResultHandler.js';
import { toTask } from './wire.js';
import { withAnswerAtSend } from '../../session/answerAtSend.js';

/**
 * The protocol revision 2025-11-25: `tools/call` (with `params.task`), `tasks/get`,
 * `tasks/result`, `tasks/list` and `tasks/cancel`, each a plain function onto the engine.
 */
export function rev2025Handlers(deps: ProtocolDeps): ProtocolHandlers {
  const results = new TaskResultHandler(deps.engine);
  return {
    'tools/call': (scope) => callTool(deps, scope),
    'tasks/get': (scope) => getTask(deps, scope),
    'tasks/result': (scope) => taskResult(results, scope, requestorOf(deps, scope)),
    'tasks/list': (scope) => listTasks(deps, scope),
    'tasks/cancel': (scope) => cancelTask(deps, scope),
  };
}

/** `tools/call`: with `params.task` a task tool starts a task (CreateTaskResult); without, it runs inline. */
export async function callTool(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const { request, server } = scope;
  const params = toolCallParams(request.params);
  const { name, task } = params;
  const tool = taskToolOf(server, name);
  if (!tool) return checkToolCallResult(task !== undefined, await serverToolCall(server, request, name, task !== undefined));
  if (task === undefined) return checkToolCallResult(false, await directToolCall(server, request, params, deps.safeguards));
  if (task.ttl !== undefined && !(Number.isInteger(task.ttl) && task.ttl >= 0)) {
    // A ttl is a whole number of ms ≥ 0 (a negative one would grant a task deleted before anyone
    // can read it); one below minTtl is granted minTtl, and the task reports what it was granted.
    throw mcpError(ErrorCode.InvalidParams, `Invalid params.task.ttl: ${task.ttl} (expected an integer number of ms ≥ 0)`);
  }
  const args = toolArguments(tool, name, params.arguments);
  const progressToken = params._meta?.progressToken;
  const record = await deps.engine.start({
    owner: scope.owner,
    tool: name,
    // A worker or a rerun parses the client's own arguments again: the parsed ones (a schema may
    // transform them) would not pass that schema twice.
    args: params.arguments,
    ...(task.ttl === undefined ? {} : { ttl: task.ttl }),
    session: rev2025Session(server.router, deps.statelessClientCapabilities),
    ...(progressToken === undefined ? {} : { progressToken }),
    run: taskWork(deps.safeguards, tool, args, requestFields(request)),
    settle: taskSettle(deps.safeguards, server.host, tool),
    ...(tool.restartable ? { restart: restartSpec(name, params.arguments, server.router, deps.statelessClientCapabilities) } : {}),
  });
  // Built here from the stored record, so it is a CreateTaskResult by construction: parsing it
  // again (as a tool's own result is) cost a zod pass per task (issue 14).
  // An instant work's end is stored between this return and the send: the answer then says so.
  return withAnswerAtSend({ task: toTask(record) }, () => {
    const end = deps.engine.ends.beforeAnswer(record.taskId);
    return { task: toTask(end ?? record) };
  });
}

/**
 * `tasks/get`: the task as the spec shows it. From the task's own session it also tells the engine
 * that this client has the task (an input request waiting for that goes out on the session's stream).
 */
export async function getTask(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  return toTask(await deps.engine.get(taskIdOf('tasks/get', scope.request.params), scope.owner, requestorOf(deps, scope)));
}

/**
 * `tasks/result`: the task's queued messages on this call's stream, then its outcome (TaskResultHandler).
 * `requestor` is this connection's session if it made one (a call from the task's own session
 * brings the end itself, so that session is not also sent the end as a notification).
 */
export async function taskResult(
  results: TaskResultHandler,
  scope: RequestScope,
  requestor: TaskSession | undefined,
): Promise<CallToolResult> {
  // Awaited: an async function that returns a promise unawaited takes two more turns to settle.
  return await results.handle(taskIdOf('tasks/result', scope.request.params), scope.owner, scope.server.router, scope.request, requestor);
}

/** `tasks/list`: a page of the caller's tasks (refused to anonymous callers). */
export async function listTasks(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const params = parseParams('tasks/list', listParams, scope.request.params);
  // Anonymous callers share one owner: listing it would hand every caller everyone's task ids.
  if (scope.owner === ANONYMOUS_OWNER) throw listUnavailable();
  try {
    const page = await deps.engine.storage.list(scope.owner, params?.cursor, deps.pageSize);
    const tasks = page.tasks.map(toTask);
    return page.nextCursor === undefined ? { tasks } : { tasks, nextCursor: page.nextCursor };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw mcpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}

/** `tasks/cancel`: the task, now `cancelled` (the answer is the end's news for the task's own session). */
export async function cancelTask(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const taskId = taskIdOf('tasks/cancel', scope.request.params);
  return toTask(await deps.engine.cancel(taskId, scope.owner, { requestor: requestorOf(deps, scope) }));
}

/** What another instance needs to rerun the task: the tool, its arguments, the client's capabilities (stateless: the assumed ones). */
function restartSpec(
  tool: string,
  args: unknown,
  router: SessionRouter,
  stateless: ClientCapabilities | undefined,
): NonNullable<TaskRecord['restart']> {
  const capabilities = router.clientCapabilities() ?? stateless;
  return capabilities === undefined ? { tool, args } : { tool, args, capabilities };
}

/** One TaskSession per connection, shared by its tasks (one per task cost about 0.5 KB per live task, issue 14). */
const sessions = new WeakMap<SessionRouter, Rev2025Session>();

function rev2025Session(router: SessionRouter, stateless: ClientCapabilities | undefined): TaskSession {
  const known = knownSession(router, stateless);
  if (known) return known;
  const session = new Rev2025Session(router, stateless);
  sessions.set(router, session);
  return session;
}

/**
 * The session of the connection a request came on, if it made one: looked up, not made (a
 * connection that created no task has no session to compare with a task's own).
 */
function requestorOf(deps: ProtocolDeps, scope: RequestScope): TaskSession | undefined {
  return knownSession(scope.server.router, deps.statelessClientCapabilities);
}

/**
 * The connection's session if one was made already (for these stateless capabilities). The session
 * of an earlier connection of the same server is not this one's: a server connected again serves
 * another client (Rev2025Session).
 */
function knownSession(router: SessionRouter, stateless: ClientCapabilities | undefined): TaskSession | undefined {
  const known = sessions.get(router);
  return known && known.stateless === stateless && known.current ? known : undefined;
}
