import { ErrorCode } from '../../wire.js';
import type { ClientCapabilities, ProgressToken, RequestId, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { mcpError, toMcpError } from '../../errors.js';
import type { ServerBinding, ServerExtra } from '../../session/ServerBinding.js';
import type { TaskEngine, TaskSession, TaskSpec } from '../../engine/TaskEngine.js';
import { toExtensionTask, withoutRelatedTask } from './shapes.js';
import type { ExtensionCreateTaskResult } from './wire.js';
import type { RegisteredTaskTool } from '../../session/toolRegistry.js';
import type { TaskRecord } from '../../types.js';
import { STOP_WAITING } from '../../backends/Waiters.js';

/** What a `tools/call` from an extension client needs besides the tool. @internal */
export interface ExtensionCall {
  engine: TaskEngine;
  binding: ServerBinding;
  owner: string;
  /** The request's own client capabilities (2026-07-28 declares them per request). */
  capabilities: ClientCapabilities;
  extra: ServerExtra;
  progressToken?: ProgressToken;
  /** ms an `optional` tool may run before its call is answered with a task instead. */
  promoteAfter: number;
  /** The work as the task runs it (already wrapped like the 2025-11-25 path's). */
  run: TaskSpec['run'];
  /** For restartable tools: what another instance needs to run the task again. */
  restart?: TaskSpec['restart'];
}

/**
 * Runs a task tool for a client that declared the tasks extension. Every call starts a task actor
 * at once, so the work never has to move: a `required` tool answers `CreateTaskResult` right away;
 * an `optional` one answers inline with its result (the task is then forgotten, its id never seen)
 * unless it is still running after `promoteAfter` ms or asks the client for input first, in which
 * case the same running task is handed out as `CreateTaskResult`.
 * @internal
 */
export async function callToolForExtension(
  call: ExtensionCall,
  tool: RegisteredTaskTool,
): Promise<Record<string, unknown>> {
  const { engine, owner } = call;
  const session = new ExtensionTaskSession(call.binding, call.capabilities, call.extra.requestId);
  if (tool.taskSupport === 'required') session.answered();
  const record = await engine.start({
    owner,
    session,
    ...(call.progressToken === undefined ? {} : { progressToken: call.progressToken }),
    run: call.run,
    ...(call.restart ? { restart: call.restart } : {}),
  });
  if (tool.taskSupport === 'required') return createTaskResult(record);

  const decision = await settleOrPromote(engine, record.taskId, session, call.promoteAfter, call.extra.signal);
  session.answered();
  if (decision === 'promote') return createTaskResult(await engine.get(record.taskId, owner));
  if (decision === 'aborted') {
    // The client gave up on the call before it learnt the task id: nobody can reach the task.
    const cancelled = await engine.cancel(record.taskId, owner, 'The tools/call request was cancelled').then(
      () => true,
      () => false,
    );
    // Not cancelled (it settled meanwhile, or the store failed): forget it whenever its actor is done.
    if (cancelled) await engine.dismiss(record.taskId);
    else void engine.dismiss(record.taskId).catch(() => {});
    throw mcpError(ErrorCode.RequestTimeout, 'tools/call was cancelled');
  }
  const settled = await engine.find(record.taskId);
  if (!settled) throw mcpError(ErrorCode.InternalError, 'The call ran out of its time to live before it finished');
  const outcome = await engine.outcome(record.taskId);
  await engine.dismiss(record.taskId);
  if (outcome.type === 'error') throw toMcpError(outcome.error);
  return { ...outcome.result, resultType: 'complete' };
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
): Promise<'settled' | 'promote' | 'aborted'> {
  const stop = new AbortController();
  try {
    return await Promise.race([
      engine.waitForTerminal(taskId, stop.signal).then(() => 'settled' as const),
      after(promoteAfter, stop.signal).then(() => 'promote' as const),
      session.inputRequired.then(() => 'promote' as const),
      aborted(callSignal, stop.signal).then(() => 'aborted' as const),
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
    private readonly binding: ServerBinding,
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
    const connection = this.binding.connection;
    if (!this.open || !connection || connection.closed) return true;
    const params = notification.params === undefined ? undefined : withoutRelatedTask(notification.params);
    try {
      await connection.send(
        { jsonrpc: '2.0', method: notification.method, ...(params === undefined ? {} : { params }) },
        { relatedRequestId: this.requestId },
      );
    } catch {
      // The call's stream is gone; the notification has nowhere else to go in the extension.
    }
    return true;
  }
}

function after(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
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
