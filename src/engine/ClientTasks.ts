import { createActor, fromPromise } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { z } from 'zod';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { clientTaskMachine, isEnded } from '../../machines/clientTask.js';
import type { ClientTaskMachineEvent, ClientTaskSettleParams, ClientTaskSnapshot } from '../../machines/clientTask.js';
import { mcpError } from '../errors.js';
import { describeParseError, isZodError } from '../zodIssues.js';
import { CreateTaskResultSchema, ErrorCode, GetTaskResultSchema } from '../wire.js';
import { invalidAnswer } from './answers.js';
import { MAX_TIMER_MS, followablePollInterval, steppedTimeout } from '../timerBounds.js';
import { followedOn } from './followedClientTasks.js';
import { fetchClientTaskResult } from './fetchClientTaskResult.js';
import { PollGap, awaitsStream, isNotCarried, sentOnStream } from './streamGap.js';
import { OpenPolls } from './OpenPolls.js';
import { cancelClientTask } from './cancelClientTask.js';
import type { StreamChange } from './streamGap.js';
import type { ReportedEnd } from './fetchClientTaskResult.js';

/** Options of one request to the client. */
export interface ClientRequestOptions {
  signal?: AbortSignal;
  /** ms before the SDK gives up waiting (its default is 60 s; a blocking `tasks/result` needs longer). */
  timeout?: number;
}

/**
 * How the server reaches a client for its client-side tasks: plain requests on the session
 * (`tasks/get`, `tasks/result`, `tasks/cancel`) and the client's `notifications/tasks/status`.
 */
export interface ClientChannel {
  /** Sends a request to the client; resolves with its result as `schema` parses it. */
  request<T>(
    request: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType<T>,
    options?: ClientRequestOptions,
  ): Promise<T>;
  /** Calls `listener` with each `notifications/tasks/status` of the session; returns the unsubscribe. Absent: polling only. */
  onTaskStatus?(listener: (task: ClientTaskSnapshot) => void): () => void;
  /**
   * Whether a request sent now can reach the client: false on Streamable HTTP with no standalone
   * (GET) stream open, where `request` refuses at once. Absent: it can.
   */
  canSend?(): boolean;
  /**
   * Calls `listener` with `opened` when a standalone stream opens, `dropped` when one drops, `closed`
   * when the session closes (none opens then); returns its removal, or undefined when the session is
   * closed already. A follow whose request `canSend` refuses waits for it, and sends again a request
   * out on a stream that dropped (streamGap.ts). Absent: it fails at once.
   */
  onReachable?(listener: (change: StreamChange) => void): (() => void) | undefined;
}

/**
 * The schema a task-augmented request's answer is sent with: any object, since the follow tells a
 * CreateTaskResult from the request's plain result ({@link ClientTaskFollow.create}). With the
 * CreateTaskResult schema, a plain answer (which the 2025-11-25 spec lets a receiver give, and the
 * only one a 2026 `tasks/update` can give to a request a 2025 task asked) failed the work.
 */
export const TASK_OR_RESULT = z.looseObject({});

/** One client-side task to follow. */
export interface ClientTaskFollow {
  /**
   * Sends the task-augmented request; resolves with the client's answer, checked here: a
   * CreateTaskResult starts the follow, the request's plain result (`resultSchema`) ends it with that
   * result, anything else fails it. Send it with {@link TASK_OR_RESULT} as the answer's schema.
   * `signal` aborts only when the engine's close ends the follow before that answer.
   */
  create(signal: AbortSignal): Promise<unknown>;
  channel: ClientChannel;
  /**
   * Where `tasks/cancel` goes instead of `channel`: the session's, for an inline call's follow, whose
   * `channel` is the call's own stream, over (or refused by the SDK) once the call is cancelled or answered.
   */
  cancelChannel?: ClientChannel;
  /** The client's capabilities (`tasks.cancel` decides whether `tasks/cancel` is sent). */
  capabilities: ClientCapabilities | undefined;
  /** The result the underlying request would have had (ElicitResult, CreateMessageResult), checked on `tasks/result`. */
  resultSchema: z.ZodType;
  /** The work's signal: aborting it cancels the client's task. */
  signal: AbortSignal;
}

/** What following needs of the engine. */
export interface ClientTaskDeps {
  /** The actor the client-task actor is spawned under (the server task's, or the root). */
  parent(): AnyActorRef | undefined;
  defaultPollInterval: number;
  logger: Pick<Console, 'warn'>;
  /** Observes the actor when it has no parent (a parent's system carries the engine's inspector). */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Aborts when the engine closes: the follow is cancelled with its reason. A follow of an inline
   * call (under the root) has no task whose end would stop it, and polled on after `close`.
   */
  closing?: AbortSignal;
}

/** The client's report with a `pollInterval` a timer can follow (timerBounds.ts; none when it is no number). */
function followable(task: ClientTaskSnapshot): ClientTaskSnapshot {
  const pollInterval = followablePollInterval(task.pollInterval, undefined);
  if (pollInterval === task.pollInterval) return task;
  const { pollInterval: _dropped, ...rest } = task;
  return pollInterval === undefined ? rest : { ...rest, pollInterval };
}

/** What the follow fails with at the client's ttl (the machine's words, for a ttl it cannot time itself). */
const TTL_REACHED = 'The client task reached its ttl unfinished';

/**
 * The client's ttl as the follow keeps it: `ms` when it is a duration; `undefined` when it is none
 * (`null`, Infinity) or is no duration at all (negative, NaN, not a number), then followed as none:
 * the ttl only bounds how long the server waits, and the follow still ends when the client reports
 * its task over or `tasks/get` fails (as it does once the client drops the task). Refusing the
 * task would fail a user's answer over an advisory field, as a nonsense `pollInterval` does not.
 */
function grantedTtl(ttl: unknown): { ms?: number; invalid?: true } {
  if (ttl === null || ttl === Infinity) return {};
  return typeof ttl === 'number' && ttl >= 0 ? { ms: ttl } : { invalid: true };
}

let follows = 0;

/**
 * Follows one client-side task with an actor of `machines/clientTask.ts` and resolves with the
 * underlying request's result (`tasks/result`); rejects when the client fails or cancels it, its
 * ttl passes, or `follow.signal` aborts (then `tasks/cancel` goes to the client if it declared
 * `tasks.cancel`).
 * @internal
 */
export function followClientTask(deps: ClientTaskDeps, follow: ClientTaskFollow): Promise<unknown> {
  const { channel, signal } = follow;
  const { closing } = deps;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  if (closing?.aborted) return Promise.reject(closing.reason as Error);
  const inFlight = new AbortController();
  let taskId: string | undefined;
  let settled: ClientTaskSettleParams | undefined;
  const end: ReportedEnd = {};
  // tasks/get requests out now (OpenPolls.ts), and the newest whose answer was taken (a notification is newer than every poll before it).
  const polls = new OpenPolls(channel);
  let newest = 0;
  const ids = followedOn(channel);
  // A ttl past one timer's reach, waited out here in steps (the machine times the others):
  // aborted with the ttl's error to end an open tasks/result.
  const expired = new AbortController();
  let stopTtl: (() => void) | undefined;
  // Polls wait while the session has no stream to carry them (streamGap.ts): ended when the follow leaves `working`.
  const gap = new PollGap(channel);
  const canCancel = follow.capabilities?.tasks?.cancel !== undefined;
  // Waits out a stream gap as a poll does (cancelClientTask.ts); `close()` ends the wait, silently.
  const cancelRemote = (id: string): void => {
    if (canCancel) cancelClientTask(follow.cancelChannel ?? channel, id, closing ? [closing] : [], deps.logger);
  };
  /**
   * Ends the follow on a tasks/get the client answered, but not about its task as it is: the client
   * still holds that task (an open dialog, say), which nobody awaits now, so it is cancelled.
   */
  const giveUp = (id: string, error: Error): void => {
    tell({ type: 'lost', error });
    // Only when this ended the follow: a poll answered after the task moved on is dropped.
    if (settled?.status === 'failed' && settled.error === error) cancelRemote(id);
  };
  /**
   * Sends one `tasks/get`. No signal: the SDK never removes its abort listener, so one signal shared
   * by every poll would collect a listener per poll; an answer after the end is dropped by `tell`.
   */
  const poll = (id: string): void => {
    if (gap.waiting || polls.full) return;
    if (awaitsStream(channel)) return pollWhenReachable(id);
    const seq = polls.sent();
    channel.request({ method: 'tasks/get', params: { taskId: id } }, GetTaskResultSchema).then(
      (task) => {
        // Counted off either way: an answer is news even from a poll lost with its stream (the client read it).
        polls.settled(seq);
        // Another task's status would make the follow poll, fetch and cancel that task from then on.
        if (task.taskId === id) {
          // Stale (a newer report came first): a `working` from before `input_required` dropped the open tasks/result. An end never is.
          if (seq <= newest && !isEnded(task.status)) return;
          newest = seq;
          return tell({ type: 'status', task: task as ClientTaskSnapshot });
        }
        giveUp(id, mcpError(ErrorCode.InternalError, `The client answered tasks/get of its task ${id} about task ${task.taskId}`));
      },
      (error: unknown) => {
        const counted = polls.settled(seq);
        // Lost with the stream that carried it (OpenPolls.ts): the follow polls on once one opens, or fails after the
        // grace. An invalid answer is the client's all the same.
        if (!counted && !isZodError(error)) return;
        // A later poll was answered already: this one's failure (sent on a stream that dropped, it
        // timed out a minute later) says nothing of the task now, which that answer told.
        if (seq <= newest && !isZodError(error)) return;
        // Refused for want of a stream (it dropped since the look): no failure, a wait.
        if (isNotCarried(error) && channel.onReachable) return pollWhenReachable(id);
        if (!isZodError(error)) return tell({ type: 'lost', error });
        // The SDK rejects with the bare zod error, whose message is its issues as JSON.
        const why = `Invalid answer from the client to tasks/get of its task ${id}: ${describeParseError(error)}`;
        giveUp(id, mcpError(ErrorCode.InvalidParams, why));
      },
    );
  };
  /** No stream to carry polls: they resume when it opens; the follow fails (`lost`) when none does in time. */
  const pollWhenReachable = (id: string): void =>
    gap.start(
      () => poll(id),
      (error) => tell({ type: 'lost', error }),
    );
  const logic = clientTaskMachine.provide({
    actors: {
      result: fromPromise<unknown, { taskId: string }>(({ input, signal: stop }) =>
        sentOnStream(channel, 'tasks/result', [stop, expired.signal], (lost) =>
          fetchClientTaskResult(channel, follow.resultSchema, input.taskId, [stop, lost], end, expired.signal),
        ),
      ),
    },
    actions: {
      // Not aborted when the follow ends first (only at close): the spec cancels a task-augmented request with
      // `tasks/cancel`, not `notifications/cancelled`, and SDK v1 drops an aborted request's late answer, whose
      // task then ran on. The answer is awaited (the SDK's timeout bounds it) and its task cancelled.
      request: () => {
        follow.create(inFlight.signal).then(
          (answer) => {
            const parsed = CreateTaskResultSchema.safeParse(answer);
            if (!parsed.success) {
              // Run without a task (a receiver may; a 2026 tasks/update answer always is): that answer is the result.
              const plain = follow.resultSchema.safeParse(answer);
              return tell(
                plain.success ? { type: 'answered', output: plain.data } : { type: 'refused', error: invalidAnswer(parsed.error) },
              );
            }
            const task = parsed.data.task as ClientTaskSnapshot;
            // Another follow's task: neither followed twice nor cancelled from here (that follow owns it).
            if (ids.has(task.taskId)) {
              const why = `Invalid answer from the client: task ${task.taskId} is the task of another request it was sent`;
              return tell({ type: 'refused', error: mcpError(ErrorCode.InvalidParams, why) });
            }
            // Withdrawn meanwhile: the client made the task anyway, so it is told we no longer want it.
            if (settled) return cancelRemote(task.taskId);
            taskId = task.taskId;
            ids.add(taskId);
            tell({ type: 'created', task });
            followTtl(task);
          },
          // An answer the request's schema refused (an inline call's, sent as is) reads like the task path's.
          (error: unknown) => tell({ type: 'refused', error: isZodError(error) ? invalidAnswer(error) : error }),
        );
      },
      poll: (_, { taskId: id }) => poll(id),
      cancelRemote: () => {
        if (taskId !== undefined) cancelRemote(taskId);
      },
      settle: (_, params) => void (settled = params),
    },
  });
  const parent = deps.parent();
  const actor = createActor(logic, {
    id: `clientTask-${++follows}`,
    input: { defaultPollInterval: deps.defaultPollInterval },
    ...(parent ? { parent } : {}),
    ...(!parent && deps.inspect ? { inspect: deps.inspect } : {}),
  });
  // Answers that arrive after the actor's end (a late poll, a late CreateTaskResult) have nobody to tell.
  const tell = (event: ClientTaskMachineEvent): void => {
    if (actor.getSnapshot().status !== 'active') return;
    if ('task' in event) {
      // A terminal status never changes: a report after the client's end is false. The machine keeps
      // the end against `working`, but a `cancelled` one ended the follow that awaits the result.
      if (end.status !== undefined) return;
      event = { ...event, task: followable(event.task) };
      const status = event.task.status;
      // The first terminal report is the one kept (see the machine): an open tasks/result is bounded from now.
      if (end.status === undefined && (status === 'completed' || status === 'failed')) {
        end.status = status;
        end.reported?.();
      }
    }
    actor.send(event);
  };
  /** What the machine's own ttl timer does, for a ttl it cannot wait: ends an unfinished follow (no end reported) as failed. */
  const ttlReached = (): void => {
    const snapshot = actor.getSnapshot();
    const error = new Error(TTL_REACHED);
    if (snapshot.matches({ active: 'working' })) tell({ type: 'lost', error });
    else if (snapshot.matches({ active: 'input_required' }) && end.status === undefined) expired.abort(error);
  };
  /** Once the client's task is followed (`active`): warns of a ttl that is no duration, and waits out one past a timer's reach. */
  const followTtl = (task: ClientTaskSnapshot): void => {
    if (!actor.getSnapshot().matches('active')) return;
    const ttl = grantedTtl(task.ttl);
    if (ttl.invalid)
      deps.logger.warn(
        `mcp-task-actors: the client gave its task ${task.taskId} the ttl ${String(task.ttl)}, no duration: followed without one`,
      );
    if (ttl.ms !== undefined && ttl.ms > MAX_TIMER_MS) stopTtl = steppedTimeout(ttlReached, ttl.ms);
  };
  const onAbort = (): void => tell({ type: 'cancel', reason: 'The server no longer needs the answer' });
  let unsubscribe: (() => void) | undefined;
  return new Promise<unknown>((resolve, reject) => {
    actor.subscribe({
      next: (snapshot) => {
        if (gap.waiting && !snapshot.matches({ active: 'working' })) gap.end();
      },
      complete: () => {
        cleanup();
        if (settled?.status === 'completed') return resolve(settled.output);
        if (settled?.status === 'failed') return reject(settled.error);
        // Cancelled from this side: the work sees its own abort reason, as for any cancelled ask.
        if (signal.aborted) return reject(signal.reason);
        if (closing?.aborted) return reject(closing.reason);
        reject(mcpError(ErrorCode.InternalError, `The client cancelled its task ${taskId ?? ''}`.trim()));
      },
      error: (error) => {
        cleanup();
        reject(error);
      },
    });
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      closing?.removeEventListener('abort', onAbort);
      unsubscribe?.();
      if (taskId !== undefined) ids.delete(taskId);
      stopTtl?.();
      gap.end();
      polls.end();
      if (closing?.aborted) inFlight.abort(closing.reason);
    };
    unsubscribe = channel.onTaskStatus?.((task) => {
      if (task.taskId !== taskId) return;
      newest = polls.latest;
      tell({ type: 'status', task });
    });
    signal.addEventListener('abort', onAbort, { once: true });
    closing?.addEventListener('abort', onAbort, { once: true });
    actor.start();
  });
}
