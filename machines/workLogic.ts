import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from 'xstate';

/** What the `work` actor is started with. */
export interface WorkInput {
  taskId: string;
}

/** The `work` actor's snapshot: xstate's promise-actor shape, so `onDone`/`onError` see the same events. */
export type WorkSnapshot = Snapshot<unknown> & { input: WorkInput | undefined };

/** Events the `work` actor sends itself when its promise settles (xstate's own stop arrives as `xstate.stop`). */
export type WorkEvent = { type: 'work.resolve'; output: unknown } | { type: 'work.reject'; error: unknown } | EventObject;

/** The logic type of {@link fromWork}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- XState's ActorLogic is typed over ActorSystem<any>
export type WorkLogic = ActorLogic<WorkSnapshot, WorkEvent, WorkInput, ActorSystem<any>>;

/**
 * The logic of a task's `work` actor: what xstate's `fromPromise` does — the promise's value
 * becomes the actor's output (`xstate.done.actor.*` to the task actor), its rejection the
 * actor's error (`xstate.error.actor.*`), and stopping the actor (the task leaving `running`:
 * cancel, expiry, shutdown) aborts the work's signal.
 *
 * Written out because `fromPromise` aborts with no reason, which makes Node build a new
 * `DOMException` with a captured stack on every stop: about a tenth of the CPU of a
 * `tasks/cancel`. Here the reason is the same `AbortError` DOMException, built without a stack
 * (which would only point into xstate).
 */
export function fromWork(run: (input: WorkInput, signal: AbortSignal) => Promise<unknown>): WorkLogic {
  const controllers = new WeakMap<AnyActorRef, AbortController>();
  return {
    getInitialSnapshot: (_scope, input) => ({ status: 'active', output: undefined, error: undefined, input }),
    start: (snapshot, { self }) => {
      if (snapshot.status !== 'active' || !snapshot.input) return;
      const controller = new AbortController();
      controllers.set(self, controller);
      const settled = (event: WorkEvent) => {
        if (self.getSnapshot().status !== 'active') return;
        controllers.delete(self);
        self.send(event);
      };
      Promise.resolve(run(snapshot.input, controller.signal)).then(
        (output) => settled({ type: 'work.resolve', output }),
        (error: unknown) => settled({ type: 'work.reject', error }),
      );
    },
    transition: (snapshot, event, { self }) => {
      if (snapshot.status !== 'active') return snapshot;
      switch (event.type) {
        case 'work.resolve':
          return { ...snapshot, status: 'done', output: (event as { output: unknown }).output, input: undefined };
        case 'work.reject':
          return { ...snapshot, status: 'error', error: (event as { error: unknown }).error, input: undefined };
        case 'xstate.stop':
          controllers.get(self)?.abort(abortReason());
          controllers.delete(self);
          return { ...snapshot, status: 'stopped', input: undefined };
        default:
          return snapshot;
      }
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (snapshot) => snapshot as WorkSnapshot,
  };
}

/** Node's default abort reason, minus the stack trace. */
function abortReason(): DOMException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DOMException('This operation was aborted', 'AbortError');
  } finally {
    Error.stackTraceLimit = limit;
  }
}
