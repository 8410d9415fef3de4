import type { AnyEventObject, InspectionEvent, Observer, Snapshot } from 'xstate';

/** What stands in for what a hook that threw would have shown. */
const NOT_SHOWN = '[not shown: the sanitize hook threw]';

/**
 * Keeps code of the application's — the `sanitize` hooks and the `inspect` observer — from
 * breaking the actors it watches or the process. XState calls the observer (and so the filter) in
 * the middle of an actor's step: a throw there stopped the step, and the task hung until its ttl.
 * The event and snapshot hooks run when an inspector first reads a sanitised event, which the
 * Stately inspector does on a timer of its own: a throw there was an uncaught exception, and the
 * process ended. Inspection is a side view: an event whose filter throws is not passed on, what a
 * throwing hook would have shown is replaced by a stand-in saying so, an observer's throw is
 * dropped, and the first error of each is logged (then no more, as the same bug throws for every
 * event).
 * @internal
 */
export class InspectionGuard {
  private readonly logged = new Set<string>();

  constructor(private readonly logger: Pick<Console, 'error'>) {}

  /** `filter`, which lets nothing through when it throws. */
  filter(filter: (event: InspectionEvent) => boolean): (event: InspectionEvent) => boolean {
    return this.guarded('sanitize.filter hook', filter, () => false);
  }

  /** The event hook; when it throws, the event's `type` (if a string) and a note. */
  event(clean: (event: AnyEventObject) => AnyEventObject): (event: AnyEventObject) => AnyEventObject {
    return this.guarded('sanitize.event hook', clean, (event) => ({
      type: typeof event.type === 'string' ? event.type : 'unknown',
      notShown: NOT_SHOWN,
    }));
  }

  /** The snapshot hook; when it throws, the snapshot's `status` and a note in place of its context. */
  snapshot(clean: (snapshot: Snapshot<unknown>) => Snapshot<unknown>): (snapshot: Snapshot<unknown>) => Snapshot<unknown> {
    return this.guarded(
      'sanitize.snapshot hook',
      clean,
      (snapshot) => ({ status: snapshot.status, context: { notShown: NOT_SHOWN } }) as unknown as Snapshot<unknown>,
    );
  }

  /** `observer`, whose throws (from `next`, `error` or `complete`) are logged once and dropped. */
  observer(observer: Observer<InspectionEvent>): Observer<InspectionEvent> {
    return {
      next: (event) => this.run('inspect observer', () => observer.next?.(event)),
      error: (error) => this.run('inspect observer', () => observer.error?.(error)),
      complete: () => this.run('inspect observer', () => observer.complete?.()),
    };
  }

  /** `call`, whose throw is reported and answered by `instead` of the same argument. */
  private guarded<A, R>(what: string, call: (arg: A) => R, instead: (arg: A) => R): (arg: A) => R {
    return (arg) => {
      try {
        return call(arg);
      } catch (error) {
        this.report(what, error);
        return instead(arg);
      }
    };
  }

  private run(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.report(what, error);
    }
  }

  private report(what: string, error: unknown): void {
    if (this.logged.has(what)) return;
    this.logged.add(what);
    try {
      this.logger.error(`mcp-task-actors: the ${what} threw; inspection goes on without it (logged once)`, error);
    } catch {
      // A logger that throws must not undo the guard.
    }
  }
}
