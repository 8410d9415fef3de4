import { and, assign, fromPromise, not, setup } from 'xstate';

/** A client-side task as the client reports it (CreateTaskResult's `task`, `tasks/get`, `notifications/tasks/status`). */
export interface ClientTaskSnapshot {
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  /** ms from creation; null: the client keeps it without limit. */
  ttl: number | null;
  pollInterval?: number;
}

/** What a client-task actor is started with. */
export interface ClientTaskMachineInput {
  /** The poll interval used when the client suggests none (ms). */
  defaultPollInterval: number;
}

/** What a client-task actor remembers: the client's task, once created. */
export interface ClientTaskMachineContext {
  defaultPollInterval: number;
  task: ClientTaskSnapshot | undefined;
}

/** Events a client-task actor accepts; `tasks/result`'s answer arrives as the `result` invoke's done/error event. */
export type ClientTaskMachineEvent =
  /** The client answered the task-augmented request with a CreateTaskResult. */
  | { type: 'created'; task: ClientTaskSnapshot }
  /**
   * The client answered the request itself, without a task: a receiver may run a task-augmented
   * request as a plain one, and a request listed by the 2026 tasks extension's `tasks/get` is
   * answered plainly (`tasks/update` carries no task). The answer is the follow's result.
   */
  | { type: 'answered'; output: unknown }
  /** The task-augmented request failed (JSON-RPC error, bad answer, connection gone). */
  | { type: 'refused'; error: unknown }
  /** A status the client reported (`notifications/tasks/status` or a `tasks/get` answer). */
  | { type: 'status'; task: ClientTaskSnapshot }
  /** `tasks/get` failed: the client no longer knows the task, or cannot be reached. */
  | { type: 'lost'; error: unknown }
  /** The server side no longer needs the answer (its task was cancelled, or the work gave up). */
  | { type: 'cancel'; reason?: string };

/** Parameters of the `settle` action: how the follow ended. */
export type ClientTaskSettleParams =
  { status: 'completed'; output: unknown } | { status: 'failed'; error: unknown } | { status: 'cancelled'; reason: string };

/** Whether `status` is one a client's task ends in (it never changes after). @internal */
export const isEnded = (status: ClientTaskSnapshot['status']): boolean =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

const isStatus =
  (...statuses: ClientTaskSnapshot['status'][]) =>
  ({ event }: { event: ClientTaskMachineEvent }) =>
    'task' in event && statuses.includes(event.task.status);

/**
 * The follow's outcome when the client reported its task `failed` and `tasks/result` still answered
 * with a result (an SDK store keeps one for failed tasks): the work must not take it as the answer.
 */
const failedWithResult = ({ event }: { event: { output: unknown } }): ClientTaskSettleParams => ({
  status: 'failed',
  error: Object.assign(new Error('The client reported its task failed'), { result: event.output }),
});

/** The largest delay a Node timer keeps (a larger one, a negative one or NaN fires after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The client's ttl, if one timer can wait it: a ttl past MAX_TIMER_MS is the engine's to wait out
 * in steps (src/engine/ClientTasks.ts), and one that is no duration (negative, NaN, not a number)
 * is followed as no ttl. Either made the follow end after 1 ms as "reached its ttl".
 */
const timedTtl = (task: ClientTaskSnapshot | undefined): number | undefined => {
  const ttl: unknown = task?.ttl;
  return typeof ttl === 'number' && ttl >= 0 && ttl <= MAX_TIMER_MS ? ttl : undefined;
};

/**
 * The server's view of one task the *client* runs for it: a task-augmented `elicitation/create`
 * or `sampling/createMessage` (MCP 2025-11-25) answered with a CreateTaskResult.
 *
 * `requested` until the CreateTaskResult arrives (or the plain answer, which ends the follow); then `working` ⇄ `input_required` as the client
 * reports (status notifications, or `tasks/get` every `pollInterval` while `working`). In
 * `input_required` the actor keeps one `tasks/result` open (the spec's SHOULD: the client may need
 * that stream); a `completed` or `failed` report leads to `retrieving`, which fetches the result
 * (after `failed` the follow fails, whatever `tasks/result` answers). A terminal report is kept: a
 * later report cannot move the follow back.
 * The client's ttl ends the follow as `failed` until the client reports its task over (one past a
 * timer's reach: the engine's stepped wait, as `lost` or the open `tasks/result`'s error); `cancel`
 * ends it as `cancelled` and tells the client (`cancelRemote`).
 *
 * Pure like the task machine: `request`, `poll`, `cancelRemote`, `settle` and the `result` actor
 * are placeholders the engine provides (src/engine/ClientTasks.ts).
 */
export const clientTaskMachine = setup({
  types: {
    context: {} as ClientTaskMachineContext,
    events: {} as ClientTaskMachineEvent,
    input: {} as ClientTaskMachineInput,
  },
  actors: {
    // Placeholder: the engine's sends `tasks/result` for the client's task and resolves with its result.
    result: fromPromise<unknown, { taskId: string }>(() => new Promise<unknown>(() => {})),
  },
  actions: {
    request: () => {},
    poll: (_, _params: { taskId: string }) => {},
    cancelRemote: (_, _params: { reason: string }) => {},
    settle: (_, _params: ClientTaskSettleParams) => {},
    remember: assign({ task: ({ event }) => ('task' in event ? event.task : undefined) }),
  },
  guards: {
    isWorking: isStatus('working'),
    isInputRequired: isStatus('input_required'),
    hasResult: isStatus('completed', 'failed'),
    isCancelled: isStatus('cancelled'),
    /**
     * A ttl this machine times (see timedTtl), of a task the client has not reported over; read again
     * when the timer fires. Once it reported its end, the open tasks/result has its own bound (the
     * engine's), as in `retrieving`: the answer the client gave after its ttl was dropped.
     */
    hasTtl: ({ context }) => timedTtl(context.task) !== undefined && !isEnded(context.task!.status),
    /** The client already reported its task over (completed or failed): a terminal status never changes. */
    endReported: ({ context }) => context.task?.status === 'completed' || context.task?.status === 'failed',
    reportedFailed: ({ context }) => context.task?.status === 'failed',
  },
  delays: {
    pollInterval: ({ context }) => Math.min(context.task?.pollInterval ?? context.defaultPollInterval, MAX_TIMER_MS),
    // Without a ttl timed here the timer still runs (a delay is a number), and `hasTtl` drops its event.
    ttl: ({ context }) => timedTtl(context.task) ?? MAX_TIMER_MS,
  },
}).createMachine({
  id: 'clientTask',
  context: ({ input }) => ({ defaultPollInterval: input.defaultPollInterval, task: undefined }),
  initial: 'requested',
  states: {
    requested: {
      entry: 'request',
      on: {
        created: [
          { guard: 'isWorking', target: 'active.working', actions: 'remember' },
          { guard: 'isInputRequired', target: 'active.input_required', actions: 'remember' },
          { guard: 'hasResult', target: 'retrieving', actions: 'remember' },
          {
            guard: 'isCancelled',
            target: 'cancelled',
            actions: ['remember', { type: 'settle', params: { status: 'cancelled', reason: 'The client cancelled its task' } }],
          },
        ],
        answered: {
          target: 'completed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'completed', output: event.output }) },
        },
        refused: {
          target: 'failed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', error: event.error }) },
        },
        // The request is withdrawn; should the client still create its task, the engine cancels it.
        cancel: {
          target: 'cancelled',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'cancelled', reason: event.reason ?? 'Cancelled' }) },
        },
      },
    },
    active: {
      after: {
        ttl: {
          guard: 'hasTtl',
          target: 'failed',
          actions: { type: 'settle', params: { status: 'failed', error: new Error('The client task reached its ttl unfinished') } },
        },
      },
      on: {
        status: [
          { guard: 'hasResult', target: 'retrieving', actions: 'remember' },
          {
            guard: 'isCancelled',
            target: 'cancelled',
            actions: ['remember', { type: 'settle', params: { status: 'cancelled', reason: 'The client cancelled its task' } }],
          },
        ],
        cancel: {
          target: 'cancelled',
          actions: [
            { type: 'cancelRemote', params: ({ event }) => ({ reason: event.reason ?? 'Cancelled' }) },
            { type: 'settle', params: ({ event }) => ({ status: 'cancelled', reason: event.reason ?? 'Cancelled' }) },
          ],
        },
      },
      initial: 'working',
      states: {
        working: {
          after: {
            pollInterval: {
              target: 'working',
              reenter: true,
              actions: { type: 'poll', params: ({ context }) => ({ taskId: context.task!.taskId }) },
            },
          },
          on: {
            status: [
              { guard: 'isWorking', actions: 'remember' },
              { guard: 'isInputRequired', target: 'input_required', actions: 'remember' },
            ],
            // Only a poll reports it, and polls run only here.
            lost: {
              target: '#clientTask.failed',
              actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', error: event.error }) },
            },
          },
        },
        input_required: {
          invoke: {
            src: 'result',
            input: ({ context }) => ({ taskId: context.task!.taskId }),
            onDone: [
              { guard: 'reportedFailed', target: '#clientTask.failed', actions: { type: 'settle', params: failedWithResult } },
              {
                target: '#clientTask.completed',
                actions: { type: 'settle', params: ({ event }) => ({ status: 'completed', output: event.output }) },
              },
            ],
            onError: {
              target: '#clientTask.failed',
              actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', error: event.error }) },
            },
          },
          on: {
            status: [
              // Not once the client said it is over: a later `working` would drop the open tasks/result.
              { guard: and(['isWorking', not('endReported')]), target: 'working', actions: 'remember' },
              // The open tasks/result answers with the result: no second one.
              { guard: and(['isInputRequired', not('endReported')]), actions: 'remember' },
              { guard: and(['hasResult', not('endReported')]), actions: 'remember' },
            ],
          },
        },
      },
    },
    retrieving: {
      invoke: {
        src: 'result',
        input: ({ context }) => ({ taskId: context.task!.taskId }),
        onDone: [
          { guard: 'reportedFailed', target: 'failed', actions: { type: 'settle', params: failedWithResult } },
          {
            target: 'completed',
            actions: { type: 'settle', params: ({ event }) => ({ status: 'completed', output: event.output }) },
          },
        ],
        onError: {
          target: 'failed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', error: event.error }) },
        },
      },
      on: {
        // The client's task is over already: nothing to cancel there, only the wait here.
        cancel: {
          target: 'cancelled',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'cancelled', reason: event.reason ?? 'Cancelled' }) },
        },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** The logic type of {@link clientTaskMachine}, for code that provides its placeholders. */
export type ClientTaskMachine = typeof clientTaskMachine;
