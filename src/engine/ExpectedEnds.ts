import type { TaskSession } from './TaskSpec.js';

/** The release of a call that counted nothing (one shared function, not a closure per call). */
const NOTHING = (): void => {};

/** What ExpectedEnds reads of a live task: the session it was created on. */
interface Created {
  readonly spec: { readonly session: TaskSession };
}

/**
 * The `tasks/result` calls of a task's own session that are in progress, by task id, each
 * counted from its arrival (before its first read of the record) until it is answered. While
 * one is, the task's end is not pushed to that session as a status notification: the call's
 * answer brings it. On Redis a short task settles within that first read, a round trip, and
 * every such lifecycle carried a redundant `completed` notification (issue 14).
 *
 * A map of the few tasks being asked, not a counter on every live task: issue 14 counts the
 * bytes each live task keeps.
 * @internal
 */
export class ExpectedEnds {
  private readonly calls = new Map<string, number>();

  /** `live`: the tasks running on this instance (a call for any other counts nothing). */
  constructor(private readonly live: ReadonlyMap<string, Created>) {}

  /** Whether a call of the task's own session is on its way. */
  has(taskId: string): boolean {
    return this.calls.has(taskId);
  }

  /**
   * A `tasks/result` of `taskId` arrived on `requestor`'s session: counted if that is the session
   * the task runs for on this instance (a call from another connection does not silence the
   * task's own session). Returns the release (a second call does nothing).
   */
  add(taskId: string, requestor: TaskSession | undefined): () => void {
    if (requestor === undefined || this.live.get(taskId)?.spec.session !== requestor) return NOTHING;
    const calls = this.calls;
    calls.set(taskId, (calls.get(taskId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = calls.get(taskId)! - 1;
      if (left === 0) calls.delete(taskId);
      else calls.set(taskId, left);
    };
  }
}
