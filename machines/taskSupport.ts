import { sendTo, setup } from 'xstate';
import { taskMachine } from './task.js';
import { createTaskSupervisor } from './taskSupervisor.js';

/**
 * Events the root TaskSupport actor accepts. Task events (`task.start`, `task.send`) go to the
 * supervisor (systemId `supervisor`) directly: forwarding them through the root cost one more
 * transition per event and added nothing (issue 14).
 */
export type TaskSupportEvent = { type: 'close'; reason: string };

/**
 * The root actor of a `TaskSupport`: one per process, whatever the number of sessions.
 *
 * It owns the task supervisor (systemId `supervisor`), which spawns one task actor per task and
 * takes every task event (start, cancel, expiry, input responses) from the engine. `close` drains
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
        close: {
          target: 'closing',
          actions: sendTo('supervisor', ({ event }) => ({ type: 'shutdown' as const, reason: event.reason })),
        },
      },
    },
    // Cancels and input responses still reach tasks that are winding down: they go to the supervisor.
    closing: {},
    closed: { type: 'final' },
  },
});

/** The logic type of {@link taskSupportMachine}. */
export type TaskSupportMachine = typeof taskSupportMachine;
