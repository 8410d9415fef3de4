import { sendTo, setup } from 'xstate';
import { taskMachine } from './task.js';
import type { TaskMachineEvent } from './task.js';
import { createTaskSupervisor } from './taskSupervisor.js';

/** Events the root TaskSupport actor accepts. */
export type TaskSupportEvent =
  | { type: 'task.start'; taskId: string; tool?: string }
  | { type: 'task.send'; taskId: string; event: TaskMachineEvent }
  | { type: 'close'; reason: string };

/**
 * The root actor of a `TaskSupport`: one per process, whatever the number of sessions.
 *
 * It owns the task supervisor (systemId `supervisor`), which spawns one task actor per task, and
 * routes every task event (start, cancel, expiry, input responses) through it. `close` drains
 * it: every live task is told to shut down, and the root is `closed` once the last one has ended.
 */
export const taskSupportMachine = setup({
  types: {
    events: {} as TaskSupportEvent,
  },
  actors: {
    supervisor: createTaskSupervisor(taskMachine),
  },
}).createMachine({
  id: 'taskSupport',
  // The supervisor is done only after `close` drained it.
  invoke: { id: 'supervisor', systemId: 'supervisor', src: 'supervisor', onDone: '.closed' },
  initial: 'running',
  states: {
    running: {
      on: {
        'task.start': { actions: sendTo('supervisor', ({ event }) => event) },
        'task.send': { actions: sendTo('supervisor', ({ event }) => event) },
        close: {
          target: 'closing',
          actions: sendTo('supervisor', ({ event }) => ({ type: 'shutdown' as const, reason: event.reason })),
        },
      },
    },
    closing: {
      on: {
        // Cancels and input responses still reach tasks that are winding down.
        'task.send': { actions: sendTo('supervisor', ({ event }) => event) },
      },
    },
    closed: { type: 'final' },
  },
});

/** The logic type of {@link taskSupportMachine}. */
export type TaskSupportMachine = typeof taskSupportMachine;
