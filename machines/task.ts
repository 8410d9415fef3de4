import { assign, setup } from 'xstate';

/** The five task statuses of MCP 2025-11-25. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** The statuses a task never leaves. */
export type TerminalTaskStatus = 'completed' | 'failed' | 'cancelled';

/**
 * What the task actor remembers while it runs: which input requests it still waits for. The task's
 * id is the actor's own `id` (`self.id` in an action), so every task starts from one shared context.
 */
export interface TaskMachineContext {
  waitingFor: readonly string[];
}

/**
 * Events a running task actor accepts. The work runs outside the actor (the engine calls it and
 * reports its end as `work.done` / `work.error`), so a task costs one actor, not two.
 */
export type TaskMachineEvent =
  | { type: 'work.done'; output: unknown }
  | { type: 'work.error'; error: unknown }
  | { type: 'work.status'; message: string }
  | { type: 'input.request'; requestId: string }
  | { type: 'input.response'; requestId: string; result: unknown }
  | { type: 'input.error'; requestId: string; error: unknown }
  | { type: 'cancel'; reason?: string }
  | { type: 'expire' }
  | { type: 'shutdown'; reason: string };

/** Parameters of the `announce` action: a non-terminal status (and message) to publish. */
export interface AnnounceParams {
  status: 'working' | 'input_required';
  message?: string;
}

/** Parameters of the `settle` action: the terminal status and what ended the task. */
export type SettleParams =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; error: unknown }
  | { status: 'failed'; shutdown: string }
  | { status: 'cancelled'; reason?: string };

/**
 * The life of one MCP task. Its leaf states are exactly the spec's statuses (plus `expired`, the
 * task's deletion at the end of its ttl); the spec's forbidden transitions have no edge here.
 *
 * The machine is pure: `announce`, `settle`, `answer` and `discard` are placeholders that
 * `TaskSupport` provides, so the same definition opens in Stately's editor, runs in production and
 * drives the model-based tests. The work is not an invoked actor: the engine starts it with the
 * task, aborts its signal when `settle`/`discard` end the task first, and sends `work.done` with
 * its result or `work.error` with what it threw (an invoked promise actor doubled the actors per
 * task: about 30 µs and 1.8 KB each, issue 14).
 */
export const taskMachine = setup({
  types: {
    context: {} as TaskMachineContext,
    events: {} as TaskMachineEvent,
  },
  actions: {
    announce: (_, _params: AnnounceParams) => {},
    settle: (_, _params: SettleParams) => {},
    answer: (_, _params: { requestId: string; result?: unknown; error?: unknown }) => {},
    discard: () => {},
    remember: assign({
      waitingFor: ({ context }, params: { requestId: string }) => [...context.waitingFor, params.requestId],
    }),
    forget: assign({
      waitingFor: ({ context }, params: { requestId: string }) => context.waitingFor.filter((id) => id !== params.requestId),
    }),
  },
  guards: {
    isLastAwaited: ({ context }, params: { requestId: string }) =>
      context.waitingFor.length === 1 && context.waitingFor[0] === params.requestId,
    isAwaited: ({ context }, params: { requestId: string }) => context.waitingFor.includes(params.requestId),
  },
}).createMachine({
  id: 'task',
  // Static (no factory, no input): every task starts in the same state, which lets the supervisor
  // restore that state instead of computing it per task (taskSupervisor.ts startingSnapshot).
  context: { waitingFor: [] },
  initial: 'running',
  states: {
    running: {
      on: {
        'work.done': {
          target: 'completed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'completed', output: event.output }) },
        },
        'work.error': {
          target: 'failed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', error: event.error }) },
        },
        cancel: {
          target: 'cancelled',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'cancelled', reason: event.reason }) },
        },
        shutdown: {
          target: 'failed',
          actions: { type: 'settle', params: ({ event }) => ({ status: 'failed', shutdown: event.reason }) },
        },
        expire: { target: 'expired', actions: 'discard' },
      },
      initial: 'working',
      states: {
        working: {
          on: {
            'work.status': {
              actions: { type: 'announce', params: ({ event }) => ({ status: 'working', message: event.message }) },
            },
            'input.request': {
              target: 'input_required',
              actions: [
                { type: 'remember', params: ({ event }) => ({ requestId: event.requestId }) },
                { type: 'announce', params: { status: 'input_required', message: 'Waiting for input' } },
              ],
            },
          },
        },
        input_required: {
          on: {
            'work.status': {
              actions: {
                type: 'announce',
                params: ({ event }) => ({ status: 'input_required', message: event.message }),
              },
            },
            'input.request': {
              actions: { type: 'remember', params: ({ event }) => ({ requestId: event.requestId }) },
            },
            'input.response': [
              {
                guard: { type: 'isLastAwaited', params: ({ event }) => ({ requestId: event.requestId }) },
                target: 'working',
                actions: [
                  { type: 'forget', params: ({ event }) => ({ requestId: event.requestId }) },
                  { type: 'announce', params: { status: 'working' } },
                  { type: 'answer', params: ({ event }) => ({ requestId: event.requestId, result: event.result }) },
                ],
              },
              {
                guard: { type: 'isAwaited', params: ({ event }) => ({ requestId: event.requestId }) },
                actions: [
                  { type: 'forget', params: ({ event }) => ({ requestId: event.requestId }) },
                  { type: 'answer', params: ({ event }) => ({ requestId: event.requestId, result: event.result }) },
                ],
              },
            ],
            'input.error': [
              {
                guard: { type: 'isLastAwaited', params: ({ event }) => ({ requestId: event.requestId }) },
                target: 'working',
                actions: [
                  { type: 'forget', params: ({ event }) => ({ requestId: event.requestId }) },
                  { type: 'announce', params: { status: 'working' } },
                  { type: 'answer', params: ({ event }) => ({ requestId: event.requestId, error: event.error }) },
                ],
              },
              {
                guard: { type: 'isAwaited', params: ({ event }) => ({ requestId: event.requestId }) },
                actions: [
                  { type: 'forget', params: ({ event }) => ({ requestId: event.requestId }) },
                  { type: 'answer', params: ({ event }) => ({ requestId: event.requestId, error: event.error }) },
                ],
              },
            ],
          },
        },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
    expired: { type: 'final' },
  },
});

/** The logic type of {@link taskMachine}, for code that provides its placeholders. */
export type TaskMachine = typeof taskMachine;
