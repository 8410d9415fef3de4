/** The release of a call that counted nothing (one shared function, not a closure per call). */
const NOTHING = (): void => {};

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

  /** Whether a call of the task's own session is on its way. */
  has(taskId: string): boolean {
    return this.calls.has(taskId);
  }

  /** Counts one call when `counted` (else nothing); returns its release (a second call does nothing). */
  add(taskId: string, counted: boolean): () => void {
    if (!counted) return NOTHING;
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
