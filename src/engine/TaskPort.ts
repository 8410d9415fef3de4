import type { z } from 'zod';
import type { ClientCapabilities, JSONRPCNotification, ProgressToken, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { TaskMachineEvent } from '../../machines/task.js';
import type { QueuedMessage, TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import { ErrorCode, RELATED_TASK_META_KEY } from '../wire.js';
import type { Answer } from '../types.js';
import { TASK_OR_RESULT } from './ClientTasks.js';
import type { ClientTaskFollow } from './ClientTasks.js';
import type { EmptyQueues } from './EmptyQueues.js';
import { enqueueAgain } from './enqueueAgain.js';
import type { LiveTask } from './LiveTask.js';
import { withTask } from './workContext.js';
import type { InputCounter, WorkPort } from './workContext.js';
import { merged } from '../merged.js';
import { mcpError } from '../errors.js';
import { promised } from './promised.js';
import { abandonedOnceOver } from './abandoned.js';
import { FollowHold } from './FollowHold.js';
import { holdWritesUntilAsked } from './holdWritesUntilAsked.js';
import { pendingAnswer } from './PendingAnswer.js';

/** What a task's port needs of the engine. */
export interface TaskPortDeps {
  readonly queue: TaskMessageQueue;
  /** Takes the task's queue once the task's writes before it are stored (TaskStorage.takeMessages). */
  take(taskId: string): Promise<QueuedMessage[]>;
  readonly logger: Pick<Console, 'warn'>;
  /** Notifications queued per task for `tasks/result`; beyond, the queue drops the oldest. */
  readonly maxQueuedNotifications: number | undefined;
  /** A request id unique over the engine's life, naming its task (requestIds.ts). */
  nextRequestId(taskId: string): string;
  send(taskId: string, event: TaskMachineEvent): void;
  /** The client's answer to one of the task's requests, as TaskEngine.answer takes it (its only source of early answers). */
  answer(taskId: string, requestId: string, answer: Answer): void;
  /** Follows a client task with an actor spawned under the task's own actor. */
  follow(taskId: string, follow: ClientTaskFollow): Promise<unknown>;
  /** Tasks that ended here with nothing ever queued: a work that queues after its end is taken out. */
  readonly emptyQueues: Pick<EmptyQueues, 'delete'>;
  /** The task's stored record, undefined once it is forgotten (TaskStorage.find). */
  find?(taskId: string): Promise<unknown>;
}

/**
 * The port of a task's work: a request is queued for `tasks/result` and the work parks until the
 * task actor is given the answer; a notification goes out at once when nothing carries the task's
 * messages, else it is queued. A class for the same reason as {@link WorkContext}: its methods
 * are shared, a task holds only its three fields.
 */
export class TaskPort implements WorkPort {
  declare readonly askAsTask?: WorkPort['askAsTask'];

  constructor(
    readonly deps: TaskPortDeps,
    readonly taskId: string,
    readonly live: LiveTask,
  ) {
    // Only where the session can follow client tasks (the plain request is the fallback otherwise).
    if (live.spec.session.client) (this as { askAsTask?: WorkPort['askAsTask'] }).askAsTask = askAsTaskOfPort;
  }

  get signal(): AbortSignal {
    return this.live.signal;
  }

  get progressToken(): ProgressToken | undefined {
    return this.live.spec.progressToken;
  }

  capabilities(): ClientCapabilities | undefined {
    return this.live.spec.session.clientCapabilities();
  }

  canFollow(): boolean {
    return this.live.spec.session.client?.canSend?.() !== false;
  }

  status(message: string): Promise<void> {
    this.deps.send(this.taskId, { type: 'work.status', message });
    return this.live.writes;
  }

  ask(method: string, params: object, schema: z.ZodType, counter?: InputCounter): Promise<unknown> {
    return ask(this.deps, this.taskId, this.live, method, params, schema, counter);
  }

  tell(notification: { method: string; params: Record<string, unknown> }): Promise<void> {
    return tell(this.deps, this.taskId, this.live, notification);
  }
}

/**
 * `askAsTask` of a {@link TaskPort} (one function for every port that has it). A rejection once
 * the work is over (the task's end aborts the follow) is abandoned like a plain ask's.
 */
function askAsTaskOfPort(this: TaskPort, method: string, params: object, schema: z.ZodType, ttl: number | undefined): Promise<unknown> {
  const live = this.live;
  return abandonedOnceOver(
    askAsTask(this.deps, this.taskId, live, method, params, schema, ttl),
    () => live.workAborted || live.workSettled,
  );
}

/** The port of a task's work (see {@link TaskPort}). */
export function taskPort(deps: TaskPortDeps, taskId: string, live: LiveTask): WorkPort {
  return new TaskPort(deps, taskId, live);
}

/**
 * A client task asked by a server task: the request goes out like any input request (queued for
 * `tasks/result`, or pushed on the session's stream) and its answer is the CreateTaskResult; a
 * hold keeps the server task `input_required` from before the request until the client's task
 * ends, so the CreateTaskResult does not flip it back to `working` in between.
 */
async function askAsTask(
  deps: TaskPortDeps,
  taskId: string,
  live: LiveTask,
  method: string,
  params: object,
  schema: z.ZodType,
  ttl: number | undefined,
): Promise<unknown> {
  // The work's signal, created now if the work never read it: the client task is cancelled with it.
  const signal = live.signal;
  signal.throwIfAborted();
  if (live.over) throw mcpError(ErrorCode.InternalError, `Task ${taskId} has ended: its work can no longer ask the client`);
  const holdId = deps.nextRequestId(taskId);
  const hold = new FollowHold(signal);
  live.inputs.set(holdId, hold);
  deps.send(taskId, { type: 'input.request', requestId: holdId });
  try {
    return await deps.follow(taskId, {
      create: () => ask(deps, taskId, live, method, withTask(params, ttl), TASK_OR_RESULT),
      channel: live.spec.session.client!,
      capabilities: live.spec.session.clientCapabilities(),
      resultSchema: schema,
      signal: hold.stop.signal,
    });
  } finally {
    hold.done();
    if (live.inputs.has(holdId)) deps.send(taskId, { type: 'input.response', requestId: holdId, result: undefined });
  }
}

/**
 * Queues the request and returns the promise of its answer, the one the work awaits: not an async
 * function, whose own promise would follow the answer's with a reaction, two resolving functions
 * and a context for as long as the task waits. With the input cap counted through the pending
 * answer (InputCounter) instead of a `.finally`, 0.68 KB less per task waiting for input
 * (bench/heapProfile.ts `input`: 5,828 -> 5,150 B; issue 14).
 */
function ask(
  deps: TaskPortDeps,
  taskId: string,
  live: LiveTask,
  method: string,
  params: object,
  schema: z.ZodType,
  counter?: InputCounter,
): Promise<unknown> {
  const [pending, answer] = pendingAnswer(schema, counter);
  // After the end (a work's dropped continuation asks once the work returned): refused, since no
  // answer can reach it; the work is over, so a rejection nobody awaits is no unhandled one.
  if (live.over && !live.workAborted) {
    pending.abandon(mcpError(ErrorCode.InternalError, `Task ${taskId} has ended: its work can no longer ask the client`));
    return answer;
  }
  let requestId: string;
  let request: Record<string, unknown>;
  try {
    if (live.workAborted) live.signal.throwIfAborted();
    requestId = deps.nextRequestId(taskId);
    // Object.assign, not spreads: spreading the caller's params gave every queued request a hidden
    // class of its own (about 190 bytes more per task waiting for input; `npm run bench`, bench/workloads/memory.ts state `input`).
    const meta: Record<string, unknown> = Object.assign({}, '_meta' in params ? (params._meta as Record<string, unknown>) : undefined);
    meta[RELATED_TASK_META_KEY] = { taskId };
    request = Object.assign({}, params as Record<string, unknown>);
    request['_meta'] = meta;
  } catch (error) {
    pending.reject(error);
    return answer;
  }
  live.inputs.set(requestId, pending);
  touchQueue(deps, taskId, live);
  const queued: QueuedMessage = { kind: 'request', requestId, message: { jsonrpc: '2.0', id: requestId, method, params: request } };
  // Until the actor is told: a take that finds the request waits (see holdWritesUntilAsked).
  const release = holdWritesUntilAsked(live);
  promised(() => deps.queue.enqueue(taskId, queued))
    .then(
      () => asked(deps, taskId, live, requestId, release),
      // Tried again (enqueueAgain): its promises and closures are made only once an enqueue failed (issue 14).
      (error: unknown) =>
        enqueueAgain(deps, taskId, live, queued, error).then(
          () => asked(deps, taskId, live, requestId, release),
          (last: unknown) => {
            release();
            // Never asked: nothing may wait for, or later reject, an answer to it.
            if (live.pendingInput(requestId) === pending) live.inputs.delete(requestId);
            pending.reject(last);
          },
        ),
    )
    // Whatever else fails on the way (a logger that throws) reaches the work, never the process.
    .catch((error: unknown) => {
      release();
      pending.reject(error);
    });
  return answer;
}

/** The request is queued: the task actor learns it waits, and a session that polls gets it pushed. */
async function asked(deps: TaskPortDeps, taskId: string, live: LiveTask, requestId: string, release: () => void): Promise<void> {
  try {
    deps.send(taskId, { type: 'input.request', requestId });
  } catch (error) {
    // The work hears of the failure; the entry stays in the task's pending inputs until the task
    // ends, as it did when ask was one async function.
    live.pendingInput(requestId)?.reject(error);
    return;
  } finally {
    // The actor knows (its `input_required` write is chained now): a take may hand the request out.
    release();
  }
  // Answered before the actor knew (the request taken through another instance, or listed by a 2026
  // `tasks/get`): TaskEngine.answer kept it on the ask; now the actor waits for it.
  const early = live.pendingInput(requestId)?.takeEarly?.();
  if (early) deps.answer(taskId, requestId, early);
  // Nothing carries it here (no tasks/result of this task open): push it on the session's stream,
  // where a requester that only polls tasks/get (the official ext-tasks one) still receives it,
  // once that requester can know the task (see TaskSession.reorders; else pushed when it polls).
  const session = live.spec.session;
  if (live.attached === 0 && session.request && (live.polled || session.reorders?.() !== true)) await push(deps, taskId, live);
}

/**
 * The task's own session asked about it (`tasks/get`): its client knows the task now, so what its
 * work asked while nothing carried it goes out on the session's stream (see TaskSession.reorders).
 */
export async function polled(deps: TaskPortDeps, taskId: string, live: LiveTask): Promise<void> {
  if (live.polled) return;
  live.polled = true;
  if (live.attached === 0 && live.hasInputs && live.spec.session.request) await push(deps, taskId, live);
}

async function push(deps: TaskPortDeps, taskId: string, live: LiveTask): Promise<void> {
  await pushQueued(deps, taskId, live).catch((error: unknown) =>
    deps.logger.warn(`mcp-task-actors: could not send the input request of task ${taskId} on the session's stream`, error),
  );
}

/**
 * Takes the task's queue and sends it on the session's standalone stream, oldest first. Taking is
 * atomic (`dequeueAll`, shared by every instance on Redis), so a message goes out either here or
 * through one `tasks/result`, never both. A request sent here leaves the queue but stays
 * outstanding until answered (delivered, unanswered); whatever could not be sent, and everything
 * after it (order kept), goes back to the front for the next `tasks/result`.
 */
async function pushQueued(deps: TaskPortDeps, taskId: string, live: LiveTask): Promise<void> {
  const session = live.spec.session;
  const batch = await deps.take(taskId);
  const rest: QueuedMessage[] = [];
  for (const message of batch) {
    if (message.kind === 'request' && !(await deps.queue.isOutstanding(taskId, message.requestId))) continue;
    // A tasks/result that opened meanwhile carries the rest, on the stream its caller reads.
    if (rest.length === 0 && live.attached === 0) {
      const sent =
        message.kind === 'request' ? await session.request!(taskId, message) : await session.notify(message.message as ServerNotification);
      if (sent) continue;
    }
    rest.push(message);
  }
  if (rest.length > 0) await deps.queue.requeue(taskId, rest);
}

async function tell(deps: TaskPortDeps, taskId: string, live: LiveTask, notification: { method: string; params: object }): Promise<void> {
  // Before the first await: a work that notifies without awaiting and returns at once has its
  // task end before this queues anything, and that end must not count the queue empty.
  touchQueue(deps, taskId, live);
  const params = merged(notification.params, { _meta: { [RELATED_TASK_META_KEY]: { taskId } } });
  const message: JSONRPCNotification = { jsonrpc: '2.0', method: notification.method, params };
  if (live.attached === 0 && (await live.spec.session.notify(message as ServerNotification))) return;
  const max = deps.maxQueuedNotifications;
  const queued: QueuedMessage = { kind: 'notification', message };
  const options = max === undefined ? undefined : { maxNotifications: max };
  let dropped: number | void;
  // Tried again like a request (enqueueAgain); a try/catch, not a `.catch`: no promise more when it succeeds.
  try {
    dropped = await deps.queue.enqueue(taskId, queued, options);
  } catch (error) {
    dropped = await enqueueAgain(deps, taskId, live, queued, error, options);
  }
  if (live.over) await forgottenMeanwhile(deps, taskId);
  if (dropped && !live.droppedWarned) {
    live.droppedWarned = true;
    deps.logger.warn(
      `mcp-task-actors: task ${taskId} has more than ${max} notifications queued for tasks/result (maxQueuedNotifications); dropping the oldest`,
    );
  }
}

/**
 * A notification queued after its task's end (a work that runs on past a cancel or its ttl): if
 * the task was forgotten before it landed (expired, or dismissed), nothing would ever clear its
 * queue again, so it goes now. Read after the enqueue: a forget still to come clears it itself.
 * A failed read leaves it (a backend's queue keys expire by themselves).
 */
async function forgottenMeanwhile(deps: TaskPortDeps, taskId: string): Promise<void> {
  if (!deps.find) return;
  try {
    if ((await deps.find(taskId)) === undefined) await deps.queue.clear(taskId);
  } catch {
    // The notification was queued; only the cleanup failed.
  }
}

/** The work is about to queue a message for the task's `tasks/result` (see EmptyQueues). */
function touchQueue(deps: TaskPortDeps, taskId: string, live: LiveTask): void {
  if (!live.queueUntouched) return;
  live.queueUntouched = false;
  // The task may have ended already (a work still running after a cancel): not empty any more.
  deps.emptyQueues.delete(taskId);
}
