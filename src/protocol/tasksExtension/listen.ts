import { z } from 'zod';
import { isUnavailable } from '../../backends/storeGuard.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { parseParams } from '../../session/params.js';
import { isTerminal } from '../../types.js';
import type { TaskRecord } from '../../types.js';
import { limitExceeded } from '../../errors.js';
import { defaultTaskLimits } from '../../engine/limits.js';
import { ErrorCode, McpError } from '../../wire.js';
import { detailedTaskOf } from './handlers.js';
import { missingTasksExtension } from './shapes.js';
import { TASKS_EXTENSION_ID } from './wire.js';
import { nextBackoff, pause } from '../../backoff.js';

/** `subscriptions/listen` params as far as tasks go: `notifications.taskIds` (SEP-2663). @internal */
const listenParams = z.looseObject({
  notifications: z.looseObject({ taskIds: z.array(z.string().min(1).max(1024)).max(1000) }),
});

/** Whether a `subscriptions/listen` request's params ask for task notifications (carry `notifications.taskIds`). */
export function asksForTasks(params: unknown): boolean {
  const notifications = (params as { notifications?: { taskIds?: unknown } } | undefined)?.notifications;
  return typeof notifications === 'object' && notifications !== null && notifications.taskIds !== undefined;
}

/**
 * Open task subscriptions one caller may hold at once, by default (`limits.maxListensPerCaller`):
 * each holds an event stream, and a follow (a watcher and a store wait) per task id it names, up to
 * 1,000. Anonymous callers share one owner, so they share these too, as they share `maxLiveTasksPerCaller`.
 */
export const DEFAULT_MAX_LISTENS_PER_CALLER = defaultTaskLimits.maxListensPerCaller;

/** One task subscription request, as the transport read it. */
export interface TaskListenRequest {
  /** The caller's owner id: only its own tasks are followed. */
  owner: string;
  /** Whether the request declared the tasks extension in its per-request client capabilities. */
  declared: boolean;
  params: unknown;
  /**
   * Takes the caller's token of the operation rate limit (`limits.taskOperationRate`, as every
   * `tasks/*` request does), throwing its -32029 when refused. Called first, before the params are
   * read: malformed floods cost tokens too.
   */
  admit?: () => void;
  /** Open subscriptions the caller may hold at once (default {@link DEFAULT_MAX_LISTENS_PER_CALLER}); the next is -32029. */
  maxListens?: number;
}

/** Open subscriptions per engine and owner: a count per caller, no entry once it falls to 0. */
const openListens = new WeakMap<TaskEngine, Map<string, number>>();

/**
 * Counts one more open subscription of `owner`, or throws -32029 (`data.limit` `maxListensPerCaller`)
 * when it holds `max` already. Returns the release, which may be called more than once.
 */
function holdListen(engine: TaskEngine, owner: string, max: number): () => void {
  let counts = openListens.get(engine);
  if (!counts) openListens.set(engine, (counts = new Map()));
  const open = counts.get(owner) ?? 0;
  if (open >= max) {
    const message = `Too many open task subscriptions from this caller (maxListensPerCaller ${max}); end one first`;
    throw limitExceeded(message, { limit: 'maxListensPerCaller', max });
  }
  counts.set(owner, open + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (counts.get(owner) ?? 1) - 1;
    if (left > 0) counts.set(owner, left);
    else counts.delete(owner);
  };
}

/** Open subscriptions of `owner` on `engine` right now (for leak checks and tests). @internal */
export function openListenCount(engine: TaskEngine, owner: string): number {
  return openListens.get(engine)?.get(owner) ?? 0;
}

/**
 * `subscriptions/listen` with `notifications.taskIds`: takes the caller's rate token (`admit`),
 * checks the request (-32021 without the extension, -32602 for bad params, -32029 when the caller
 * holds `maxListens` open subscriptions), keeps the ids the caller may see (others are left out of
 * the acknowledgement, so an unknown id and another caller's id look the same), and from then on
 * calls `emit` with the full DetailedTask of each followed task now and after each status change
 * (and each change of its outstanding input requests while `input_required`), until the task is
 * terminal or `signal` aborts. Only `notifications/tasks` are emitted: no progress, no logs.
 * Resolves with the honored ids (before any emit). The subscription counts as open from the check
 * until `signal` aborts (or this rejects).
 *
 * `emit` may return a promise: the subscriber's stream is full (it stopped reading). That task's
 * follow then emits nothing more until the promise settles, and then only the DetailedTask of that
 * moment: the changes in between are coalesced, as a notification is a whole snapshot of the task.
 * Emitting every change regardless held one DetailedTask per status change in memory for a
 * subscriber that never read, without bound.
 *
 * A store that cannot answer whether an id is the caller's (down, or past `storeTimeout`) rejects
 * the listen with its -32603, as `tasks/get` would answer: the acknowledgement lists the ids the
 * server agreed to follow (SEP-2663), and leaving one out for an outage read as "unknown task", so
 * the client never asked again and never heard of it.
 */
export async function listenTasks(
  engine: TaskEngine,
  request: TaskListenRequest,
  emit: TaskEmit,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<string[]> {
  request.admit?.();
  if (!request.declared) throw missingTasksExtension(`subscriptions/listen with taskIds needs the ${TASKS_EXTENSION_ID} extension`);
  const { notifications } = parseParams('subscriptions/listen', listenParams, request.params) as z.output<typeof listenParams>;
  const release = holdListen(engine, request.owner, request.maxListens ?? DEFAULT_MAX_LISTENS_PER_CALLER);
  const honored: string[] = [];
  try {
    for (const taskId of new Set(notifications.taskIds)) {
      if (await isOwnTask(engine, taskId, request.owner)) honored.push(taskId);
    }
  } catch (error) {
    release();
    throw error;
  }
  if (signal.aborted) release();
  else signal.addEventListener('abort', release, { once: true });
  // After the acknowledgement is written: the caller awaits the ids, then the first emits follow.
  queueMicrotask(() => {
    for (const taskId of honored) void follow(engine, taskId, request.owner, emit, signal).catch(onError);
  });
  return honored;
}

/**
 * Hands one DetailedTask to the subscriber; a promise returned means its stream is full, and the
 * next one waits until the promise settles (see {@link listenTasks}).
 */
export type TaskEmit = (task: Record<string, unknown>) => void | Promise<void>;

/** Whether `taskId` is a task of `owner`: false for engine.get's -32602 (unknown, another's, past its ttl); any other failure is thrown. */
async function isOwnTask(engine: TaskEngine, taskId: string, owner: string): Promise<boolean> {
  try {
    await engine.get(taskId, owner);
    return true;
  } catch (error) {
    if (error instanceof McpError && error.code === ErrorCode.InvalidParams) return false;
    throw error;
  }
}

/**
 * Emits the task's DetailedTask whenever its stored status changed, or while `input_required` the
 * set of its outstanding requests (the engine's watchers are told of both), until it is terminal,
 * gone, or `signal` aborts. A store that is away (Redis restarting, or its connections not all
 * back yet: the subscriber's reconnect wakes `waitForTerminal` before the command connection
 * answers) is waited out with backoff, as `tasks/result` does: taking that failure for "task gone"
 * ended the follow silently, and the subscriber never heard the task's end.
 */
async function follow(engine: TaskEngine, taskId: string, owner: string, emit: TaskEmit, signal: AbortSignal): Promise<void> {
  let last: string | undefined;
  let backoff = 0;
  while (!signal.aborted) {
    // Listening starts before the read, so a change between the read and the wait is not missed.
    const waiting = new AbortController();
    const stop = (): void => waiting.abort();
    signal.addEventListener('abort', stop, { once: true });
    let unwatch: () => void = () => {};
    const changed = new Promise<void>((resolve) => {
      unwatch = engine.watch(taskId, () => resolve());
      waiting.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      const record: TaskRecord = await engine.get(taskId, owner);
      if (signal.aborted) return;
      let key = `${record.status}\n${record.lastUpdatedAt}\n${record.statusMessage ?? ''}`;
      // While input_required, the outstanding requests change with no status write (a second ask,
      // an answer that leaves others waiting): their keys are part of what was told.
      if (key !== last || record.status === 'input_required') {
        // Read before `last` moves, so a store that fails here has the change emitted on the next look.
        const detailed = await detailedTaskOf(engine, record);
        // Sorted: a store need not list them in one order (Redis keeps them in a hash).
        const requests = record.status === 'input_required' ? Object.keys(detailed['inputRequests'] as object).sort() : [];
        if (requests.length > 0) key += `\n${requests.join('\n')}`;
        if (key !== last) {
          last = key;
          const full = emit(detailed);
          // A full stream: wait for room, then read the task afresh (the `changed` watch set up
          // before the read has kept what happened meanwhile). A stream that fails its promise is
          // going away, and its end aborts `signal`.
          if (full) await Promise.race([full.catch(() => {}), aborted(waiting.signal)]);
        }
      }
      if (isTerminal(record.status)) return;
      // A task run on this instance is watched; one run elsewhere (a cluster) is seen when it ends.
      await Promise.race([changed, engine.storage.waitForTerminal(taskId, waiting.signal)]);
      backoff = 0;
    } catch (error) {
      // engine.get's -32602: the task is gone (deleted, past its ttl), nothing more to tell.
      if (error instanceof McpError && error.code === ErrorCode.InvalidParams) return;
      if (!isUnavailable(error) || signal.aborted) throw error;
      backoff = nextBackoff(backoff);
      await pause(backoff, signal);
    } finally {
      unwatch();
      waiting.abort();
      signal.removeEventListener('abort', stop);
    }
  }
}

/** Resolves when `signal` aborts: a follow aborts its `waiting` at the end of every turn, which takes the listener off. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
