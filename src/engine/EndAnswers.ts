import type { TaskRecord } from '../types.js';
import { ExpectedEnds } from './ExpectedEnds.js';
import type { LiveTask } from './LiveTask.js';

/** The release of an attach that counted nothing (one shared function, not a closure per call). */
const NOTHING = (): void => {};

/**
 * Who answers a task's end, so that it is not also pushed to the requestor as a
 * `notifications/tasks/status` (the spec makes that push optional): a `tasks/result` waiting on
 * this instance (`attach`), one of the task's own session on its way (`expected`), one that
 * answered already (`answered`), and the answer to the call that created the task when the end was
 * stored before that answer went out (`beforeAnswer`). The settle action asks {@link pushes} once
 * the session may send again ({@link hold}).
 * @internal
 */
export class EndAnswers {
  /** The `tasks/result` calls of a task's own session on their way (ExpectedEnds.ts). */
  readonly expected: ExpectedEnds;
  /** Ends stored while their session held its sends, until it sends again (a few microtasks). */
  private readonly inHold = new Map<string, TaskRecord>();

  constructor(private readonly live: ReadonlyMap<string, LiveTask>) {
    this.expected = new ExpectedEnds(live);
  }

  /** Counts a `tasks/result` call attached to the task (notifications then go through the queue). */
  attach(taskId: string): () => void {
    const live = this.live.get(taskId);
    if (!live) return NOTHING;
    live.attached++;
    return () => void live.attached--;
  }

  /** A `tasks/result` answers the task's end (another instance may have stored it first). */
  answered(taskId: string): void {
    const live = this.live.get(taskId);
    if (live) live.endAnswered = true;
  }

  /**
   * The end of `taskId` when it was stored before the answer to the call that created the task
   * went out (its session still holds its sends): that answer carries it, and counts as answered.
   */
  beforeAnswer(taskId: string): TaskRecord | undefined {
    const end = this.inHold.get(taskId);
    if (end) this.answered(taskId);
    return end;
  }

  /**
   * Waits out the hold of the task's session (a task that ended while its CreateTaskResult was on
   * its way), its stored end `record` meanwhile offered to that answer ({@link beforeAnswer}).
   */
  async hold(taskId: string, record: TaskRecord, held: Promise<void>): Promise<void> {
    this.inHold.set(taskId, record);
    try {
      await held;
    } finally {
      this.inHold.delete(taskId);
    }
  }

  /**
   * Whether the stored end of a task run here (settled as `status`) is still to be pushed to its
   * session: asked once the session may send again, since a `tasks/result` that came meanwhile, or
   * the CreateTaskResult itself, has answered it by then.
   */
  pushes(taskId: string, live: LiveTask, status: TaskRecord['status']): boolean {
    if (live.attached > 0 || live.endAnswered || this.expected.has(taskId)) return false;
    // The requestor's own tasks/cancel answers with the cancelled task.
    return !(status === 'cancelled' && live.cancelAnswered);
  }
}
