import { z } from 'zod';
import { isUnavailable } from '../../backends/storeGuard.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { parseParams } from '../../session/params.js';
import { isTerminal } from '../../types.js';
import type { TaskRecord } from '../../types.js';
import { ErrorCode, McpError } from '../../wire.js';
import { detailedTaskOf } from './handlers.js';
import { missingTasksExtension } from './shapes.js';
import { TASKS_EXTENSION_ID } from './wire.js';
import { nextBackoff, pause } from '../storeBackoff.js';

/** `subscriptions/listen` params as far as tasks go: `notifications.taskIds` (SEP-2663). @internal */
const listenParams = z.looseObject({
  notifications: z.looseObject({ taskIds: z.array(z.string().min(1).max(1024)).max(1000) }),
});

/** Whether a `subscriptions/listen` request's params ask for task notifications (carry `notifications.taskIds`). */
export function asksForTasks(params: unknown): boolean {
  const notifications = (params as { notifications?: { taskIds?: unknown } } | undefined)?.notifications;
  return typeof notifications === 'object' && notifications !== null && notifications.taskIds !== undefined;
}

/** One task subscription request, as the transport read it. */
export interface TaskListenRequest {
  /** The caller's owner id: only its own tasks are followed. */
  owner: string;
  /** Whether the request declared the tasks extension in its per-request client capabilities. */
  declared: boolean;
  params: unknown;
}

/**
 * `subscriptions/listen` with `notifications.taskIds`: checks the request (-32021 without the
 * extension, -32602 for bad params), keeps the ids the caller may see (others are left out of the
 * acknowledgement, so an unknown id and another caller's id look the same), and from then on calls
 * `emit` with the full DetailedTask of each followed task now and after each status change, until
 * the task is terminal or `signal` aborts. Only `notifications/tasks` are emitted: no progress, no logs.
 * Resolves with the honored ids (before any emit).
 */
export async function listenTasks(
  engine: TaskEngine,
  request: TaskListenRequest,
  emit: (task: Record<string, unknown>) => void,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<string[]> {
  if (!request.declared) throw missingTasksExtension(`subscriptions/listen with taskIds needs the ${TASKS_EXTENSION_ID} extension`);
  const { notifications } = parseParams('subscriptions/listen', listenParams, request.params) as z.output<typeof listenParams>;
  const honored: string[] = [];
  for (const taskId of new Set(notifications.taskIds)) {
    const record = await engine.get(taskId, request.owner).catch(() => undefined);
    if (record) honored.push(taskId);
  }
  // After the acknowledgement is written: the caller awaits the ids, then the first emits follow.
  queueMicrotask(() => {
    for (const taskId of honored) void follow(engine, taskId, request.owner, emit, signal).catch(onError);
  });
  return honored;
}

/**
 * Emits the task's DetailedTask whenever its stored status changed, until it is terminal, gone, or
 * `signal` aborts. A store that is away (Redis restarting, or its connections not all back yet: the
 * subscriber's reconnect wakes `waitForTerminal` before the command connection answers) is waited
 * out with backoff, as `tasks/result` does: taking that failure for "task gone" ended the follow
 * silently, and the subscriber never heard the task's end.
 */
async function follow(
  engine: TaskEngine,
  taskId: string,
  owner: string,
  emit: (task: Record<string, unknown>) => void,
  signal: AbortSignal,
): Promise<void> {
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
      const key = `${record.status}\n${record.lastUpdatedAt}\n${record.statusMessage ?? ''}`;
      if (key !== last) {
        // Read before `last` moves, so a store that fails here has the change emitted on the next look.
        const detailed = await detailedTaskOf(engine, record);
        last = key;
        emit(detailed);
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
