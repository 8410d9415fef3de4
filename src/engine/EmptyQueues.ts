/** How long a task stays known here (ms): 30 to 60 s after its end (two generations). */
const GENERATION_MS = 30_000;
/** At most this many per generation: past it, the older generation goes early. */
const MAX_PER_GENERATION = 10_000;

/**
 * Tasks that ended on this instance with nothing ever queued for their `tasks/result`: tasks
 * created here (so no earlier runner queued anything) whose work never asked or notified. The
 * `tasks/result` that answers such a task (mostly on this instance, right after the end) takes
 * no queue, which on Redis is one round trip of a lifecycle's three (issue 14).
 *
 * Kept in two generations of plain sets, not a map of deadlines: no number per task, and a
 * task's entry goes with its generation whether or not a `tasks/result` ever comes.
 * @internal
 */
export class EmptyQueues {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotateAt = 0;

  /** The task ended here and its queue was never written. */
  add(taskId: string, now = Date.now()): void {
    if (now >= this.rotateAt || this.current.size >= MAX_PER_GENERATION) {
      this.previous = this.current;
      this.current = new Set();
      this.rotateAt = now + GENERATION_MS;
    }
    this.current.add(taskId);
  }

  /** Whether the task's queue is known empty, without forgetting it. */
  has(taskId: string): boolean {
    return this.current.has(taskId) || this.previous.has(taskId);
  }

  /** Whether the task's queue is known empty; forgotten then (a later take reads the queue). */
  take(taskId: string): boolean {
    return this.current.delete(taskId) || this.previous.delete(taskId);
  }

  /** Something may be queued for the task now (a work that still runs after its task ended). */
  delete(taskId: string): void {
    // A task ends once, so it is in one generation at most: the same removal as a take.
    this.take(taskId);
  }
}
