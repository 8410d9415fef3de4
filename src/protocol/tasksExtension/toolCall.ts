import type { ClientCapabilities, RequestId, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { STOP_WAITING } from '../../backends/Waiters.js';
import type { TaskEngine, TaskSession } from '../../engine/TaskEngine.js';
import { mcpError, toMcpError } from '../../errors.js';
import type { RequestScope } from '../../session/dispatch.js';
import { parseParams } from '../../session/params.js';
import type { SessionRouter } from '../../session/SessionRouter.js';
import {
  checkToolCallResult,
  directToolCall,
  requestFields,
  taskSettle,
  taskToolOf,
  taskWork,
  toolArguments,
} from '../../session/toolCall.js';
import type { TaskRecord } from '../../types.js';
import { CallToolRequestParamsSchema, ErrorCode } from '../../wire.js';
import type { ProtocolDeps } from '../ProtocolDeps.js';
import { missingTasksExtension, toExtensionTask, withoutRelatedTask } from './shapes.js';
import type { ExtensionCreateTaskResult } from './wire.js';
import { merged } from '../../merged.js';
import { steppedTimeout } from '../../timerBounds.js';

const toolCallParams = z.looseObject({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()).optional(),
  _meta: z.looseObject({ progressToken: z.union([z.string(), z.number()]).optional() }).optional(),
});

/**
 * `tools/call` from a 2026-style client. `params.task` is ignored (SEP-2663). A task tool called
 * by a client that declared the extension runs as a task actor at once, so the work never has to
 * move: a `required` tool answers `CreateTaskResult` right away; an `optional` one answers inline
 * with its result (the task is then forgotten, its id never seen) unless it is still running after
 * `promoteAfter` ms or asks the client for input first, in which case the same running task is
 * handed out as `CreateTaskResult`. Any other call is answered directly, as 2025-11-25 would.
 */
export async function callTool(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const { request, server, route } = scope;
  const { task: _ignored, ...params } = parseParams('tools/call', toolCallParams, request.params);
  const capabilities = route.protocol === 'tasksExtension' ? route.capabilities : {};
  const delegate = async (): Promise<Record<string, unknown>> => {
    // Checked as a 2025-11-25 call's params are: the call is served as one, without `task`, but
    // with this request's own capabilities (never the session's).
    const checked = parseParams('tools/call', CallToolRequestParamsSchema, params);
    const direct = await directToolCall(server, { ...request, params }, checked, deps.safeguards, capabilities);
    return merged(checkToolCallResult(false, direct), { resultType: 'complete' });
  };
  const tool = taskToolOf(server, params.name);
  if (!tool) return delegate();
  const declared = route.protocol === 'tasksExtension' && route.declared;
  if (!declared) {
    if (tool.taskSupport === 'required') throw missingTasksExtension(`tool ${params.name} runs only as a task`);
    return delegate();
  }
  const args = toolArguments(tool, params.name, params.arguments);
  const { engine } = deps;
  const owner = scope.owner;
  const session = new ExtensionTaskSession(server.router, capabilities, request.id);
  if (tool.taskSupport === 'required') session.answered();
  const progressToken = params._meta?.progressToken;
  const record = await engine.start({
    owner,
    tool: params.name,
    // The client's own arguments for a worker or a rerun, which parse them again (see rev2025 callTool).
    args: params.arguments,
    session,
    ...(progressToken === undefined ? {} : { progressToken }),
    run: taskWork(deps.safeguards, tool, args, requestFields(request)),
    settle: taskSettle(deps.safeguards, server.host, tool),
    ...(tool.restartable ? { restart: { tool: params.name, args: params.arguments, capabilities } } : {}),
  });
  // A required tool's task is handed out at once, an optional one's only once promoted.
  // Until promoted, the call is answered inline: the shutdown answers it at once (settleOrPromote),
  // while its stream is open; the task ends as every task does at close, forgotten once it has.
  const decision =
    tool.taskSupport === 'required'
      ? 'promote'
      : await settleOrPromote(engine, record.taskId, session, deps.promoteAfter, request.signal, (stop) =>
          deps.safeguards.inlineShutdown(params.name, stop),
        ).catch((error: unknown) => {
          void engine.dismiss(record.taskId).catch(() => {});
          throw error;
        });
  session.answered();
  if (decision === 'promote') {
    const promoted = tool.taskSupport === 'required' ? record : await engine.get(record.taskId, owner);
    // A cancel that landed while the task was stored or read back: the router drops this answer
    // unsent, so the task is as unreachable as one cancelled before promotion.
    if (!request.signal.aborted) return createTaskResult(promoted);
  }
  if (decision !== 'settled') {
    // The client gave up on the call before it learnt the task id: nobody can reach the task.
    const cancelled = await engine.cancel(record.taskId, owner, { reason: 'The tools/call request was cancelled' }).then(
      () => true,
      () => false,
    );
    // Not cancelled (it settled meanwhile, or the store failed): forget it whenever its actor is done.
    if (cancelled) await engine.dismiss(record.taskId);
    else void engine.dismiss(record.taskId).catch(() => {});
    throw mcpError(ErrorCode.RequestTimeout, 'tools/call was cancelled');
  }
  const settled = await engine.storage.find(record.taskId);
  if (!settled) throw mcpError(ErrorCode.InternalError, 'The call ran out of its time to live before it finished');
  const outcome = await engine.storage.outcome(record.taskId);
  await engine.dismiss(record.taskId);
  if (outcome.type === 'error') throw toMcpError(outcome.error);
  return merged(outcome.result, { resultType: 'complete' });
}

/** `CreateTaskResult` of the extension: `resultType: "task"` and the flat task. @internal */
export function createTaskResult(record: TaskRecord): ExtensionCreateTaskResult {
  return { resultType: 'task', ...toExtensionTask(record) };
}

/**
 * Waits for whichever comes first: the task settles, `promoteAfter` passes, the work asks for
 * input (it cannot be answered inline), or the client cancels the call. Event-driven throughout.
 */
async function settleOrPromote(
  engine: TaskEngine,
  taskId: string,
  session: ExtensionTaskSession,
  promoteAfter: number,
  callSignal: AbortSignal,
  shutdown: (stop: AbortSignal) => Promise<never>,
): Promise<'settled' | 'promote' | 'aborted'> {
  const stop = new AbortController();
  try {
    return await Promise.race([
      engine.storage.waitForTerminal(taskId, stop.signal).then(() => 'settled' as const),
      after(promoteAfter, stop.signal).then(() => 'promote' as const),
      session.inputRequired.then(() => 'promote' as const),
      aborted(callSignal, stop.signal).then(() => 'aborted' as const),
      // TaskSupport.close answers the call with the shutdown error while its stream is open (InlineRuns.ts).
      shutdown(stop.signal),
    ]);
  } finally {
    stop.abort(STOP_WAITING);
  }
}

/**
 * The `TaskSession` of a task created for an extension client. The extension has no standalone
 * status push over SDK v1 (it needs `subscriptions/listen`) and no task logs or progress, so those
 * are dropped, except that while the `tools/call` is still unanswered the work's logs and progress
 * travel on that call's response stream like an inline call's. Never queued for `tasks/result`.
 */
class ExtensionTaskSession implements TaskSession {
  /** Resolves when the task first moves to `input_required`. */
  readonly inputRequired: Promise<void>;
  private signalInputRequired!: () => void;
  private open = true;

  constructor(
    private readonly router: SessionRouter,
    private readonly capabilities: ClientCapabilities,
    private readonly requestId: RequestId,
  ) {
    this.inputRequired = new Promise<void>((resolve) => (this.signalInputRequired = resolve));
  }

  /** The call has its answer: from now on the task speaks only through `tasks/get`. */
  answered(): void {
    this.open = false;
  }

  clientCapabilities(): ClientCapabilities {
    return this.capabilities;
  }

  /** Only `input_required` matters here: it promotes an `optional` call to a task (no status push in the extension). */
  async statusChanged(record: TaskRecord): Promise<void> {
    if (record.status === 'input_required') this.signalInputRequired();
  }

  /** Always true: handled (sent or deliberately dropped), so the engine never queues it. */
  async notify(notification: ServerNotification): Promise<boolean> {
    if (!this.open) return true;
    const params = notification.params === undefined ? undefined : withoutRelatedTask(notification.params);
    // False when the call's stream is gone: the notification has nowhere else to go in the extension.
    await this.router.send(
      { method: notification.method, ...(params === undefined ? {} : { params }) } as ServerNotification,
      this.requestId,
    );
    return true;
  }
}

/**
 * Resolves after `ms`, unless `signal` aborts first. Waited out in steps (steppedTimeout):
 * `promoteAfter` may be any finite ms, and Node fires a longer timer after 1 ms (with a
 * TimeoutOverflowWarning), which promoted every `optional` call at once.
 */
function after(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const cancel = steppedTimeout(resolve, ms);
    signal.addEventListener('abort', cancel, { once: true });
  });
}

/** Resolves when `signal` aborts; never once `stop` aborts first. */
function aborted(signal: AbortSignal, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    stop.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
  });
}
