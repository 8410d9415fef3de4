import { resultEventTypes } from './clientTaskModel.js';
import type { ClientUnreachable } from './clientTaskModel.js';

/**
 * How the server asks the client (a task-augmented elicitation or sampling request, from an SDK v1
 * or v2 server) and how the receiver reports its task's status: by `notifications/tasks/status`, or
 * only through its `tasks/get` answers (notifications are optional for a receiver).
 */
export interface ClientTaskCombination {
  input: 'elicitation' | 'sampling';
  sdk: 'v1' | 'v2';
  reports: 'notifications' | 'polls';
}

/** Every combination the client-task paths run in. */
export const CLIENT_TASK_COMBINATIONS: readonly ClientTaskCombination[] = (['notifications', 'polls'] as const).flatMap((reports) =>
  (['v1', 'v2'] as const).flatMap((sdk) => (['elicitation', 'sampling'] as const).map((input) => ({ input, sdk, reports }))),
);

/** A short name: `sampling × v2 × polls`. */
export const clientCombinationName = (c: ClientTaskCombination): string => `${c.input} × ${c.sdk} × ${c.reports}`;

/**
 * What a combination cannot cause, with why. The follower polls only while the client's task is
 * `working` and keeps a `tasks/result` open while it is `input_required` (the spec's advice), so a
 * receiver that reports only through `tasks/get` cannot tell an `input_required` follower anything:
 * its next word is the open `tasks/result`'s answer. clientTask.unreachable.test.ts proves it.
 */
export function clientUnreachable(c: ClientTaskCombination): ClientUnreachable[] {
  return c.reports === 'polls'
    ? [
        { state: 'clientTask.active.input_required', eventType: 'status', why: 'no tasks/get is sent while input_required' },
        {
          state: 'clientTask.active.input_required',
          eventType: resultEventTypes().done,
          guard: 'reportedFailed',
          why: 'only a status event can tell an input_required follower its task failed',
        },
      ]
    : [];
}
