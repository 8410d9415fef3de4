import { createActor, fromPromise } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { z } from 'zod';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { clientTaskMachine } from '../../machines/clientTask.js';
import type { ClientTaskMachineEvent, ClientTaskSettleParams, ClientTaskSnapshot } from '../../machines/clientTask.js';
import { mcpError } from '../errors.js';
import { CancelTaskResultSchema, CreateTaskResultSchema, ErrorCode, GetTaskResultSchema } from '../wire.js';

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
}

/** One client-side task to follow. */
export interface ClientTaskFollow {
  /** Sends the task-augmented request; resolves with the client's CreateTaskResult (anything else rejects). */
  create(signal: AbortSignal): Promise<unknown>;
  channel: ClientChannel;
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

/** A blocking `tasks/result` waits at most this long (the SDK's 60 s default would cut a slow user short). */
const RESULT_TIMEOUT_MS = 24 * 60 * 60 * 1000;

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
  // Aborts the task-augmented request itself if it is still in flight when the actor ends.
  const inFlight = new AbortController();
  let taskId: string | undefined;
  let settled: ClientTaskSettleParams | undefined;
  const canCancel = follow.capabilities?.tasks?.cancel !== undefined;
  const cancelRemote = (id: string): void => {
    if (!canCancel) return;
    channel
      .request({ method: 'tasks/cancel', params: { taskId: id } }, CancelTaskResultSchema)
      .catch((error: unknown) => deps.logger.warn(`mcp-task-actors: tasks/cancel of the client's task ${id} failed`, error));
  };
  const logic = clientTaskMachine.provide({
    actors: {
      result: fromPromise<unknown, { taskId: string }>(({ input, signal: stop }) =>
        channel.request({ method: 'tasks/result', params: { taskId: input.taskId } }, follow.resultSchema, {
          signal: stop,
          timeout: RESULT_TIMEOUT_MS,
        }),
      ),
    },
    actions: {
      request: () => {
        follow.create(inFlight.signal).then(
          (answer) => {
            const parsed = CreateTaskResultSchema.safeParse(answer);
            if (!parsed.success) {
              tell({ type: 'refused', error: mcpError(ErrorCode.InternalError, 'The client did not answer with a CreateTaskResult') });
              return;
            }
            const task = parsed.data.task as ClientTaskSnapshot;
            // Withdrawn meanwhile: the client made the task anyway, so it is told we no longer want it.
            if (settled) return cancelRemote(task.taskId);
            taskId = task.taskId;
            tell({ type: 'created', task });
          },
          (error: unknown) => tell({ type: 'refused', error }),
        );
      },
      // No signal: the SDK never removes its abort listener, so one signal shared by every poll
      // would collect a listener per poll; an answer after the end is dropped by `tell`.
      poll: (_, { taskId: id }) => {
        channel.request({ method: 'tasks/get', params: { taskId: id } }, GetTaskResultSchema).then(
          (task) => tell({ type: 'status', task: task as ClientTaskSnapshot }),
          (error: unknown) => tell({ type: 'lost', error }),
        );
      },
      cancelRemote: () => {
        if (taskId !== undefined) cancelRemote(taskId);
      },
      settle: (_, params) => {
        settled = params;
      },
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
    if (actor.getSnapshot().status === 'active') actor.send(event);
  };
  const onAbort = (): void => tell({ type: 'cancel', reason: 'The server no longer needs the answer' });
  let unsubscribe: (() => void) | undefined;
  return new Promise<unknown>((resolve, reject) => {
    actor.subscribe({
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
      inFlight.abort();
    };
    unsubscribe = channel.onTaskStatus?.((task) => {
      if (task.taskId === taskId) tell({ type: 'status', task });
    });
    signal.addEventListener('abort', onAbort, { once: true });
    closing?.addEventListener('abort', onAbort, { once: true });
    actor.start();
  });
}
