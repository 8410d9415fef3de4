import { isoTime } from '../isoTime.js';
import type { TaskRecord, TaskStatus } from '../types.js';

/** At most this many are kept: the oldest go first (their settles then read the hash back). */
const MAX_KEPT = 100_000;

/**
 * The records this instance created and has not settled yet, as it wrote them. A settle changes
 * only the status, its message and `lastUpdatedAt` (from the settle's own arguments) and reads the
 * runner (claims and takeovers move it); every other field is written once, by `create`. So the
 * settle script of a task created here answers with the runner alone instead of the whole hash,
 * which this process decoded into a record again, and Redis built from a Lua table (issue 14).
 * Holds the engine's own record objects (no copies). A task that never settles here (lost to a
 * takeover) stays until it lapses or the cap pushes it out; one missing only costs the full reply.
 * @internal
 */
export class CreatedHere {
  private readonly byId = new Map<string, TaskRecord>();

  remember(record: TaskRecord): void {
    const now = Date.now();
    // Oldest first (insertion order): drop what lapsed, or the oldest when full.
    for (const [taskId, kept] of this.byId) {
      if (this.byId.size < MAX_KEPT && isoTime(kept.createdAt) + kept.ttl > now) break;
      this.byId.delete(taskId);
    }
    this.byId.set(record.taskId, record);
  }

  /** The record as created here (once: a settle is the last write), if this instance created it. */
  take(taskId: string): TaskRecord | undefined {
    const record = this.byId.get(taskId);
    if (record) this.byId.delete(taskId);
    return record;
  }

  forget(taskId: string): void {
    this.byId.delete(taskId);
  }

  /**
   * The record as Redis holds it after a settle the script accepted: `created`'s fields, the
   * settle's status, message and time, and `runner` as the script read it (`r<runner>`, or empty
   * for none). Same fields, in the same order, as a record read from the hash.
   */
  static settled(created: TaskRecord, status: TaskStatus, statusMessage: string | undefined, at: string, runner: string): TaskRecord {
    const record: TaskRecord = {
      taskId: created.taskId,
      owner: created.owner,
      status,
      createdAt: created.createdAt,
      lastUpdatedAt: at,
      ttl: created.ttl,
      pollInterval: created.pollInterval,
    };
    if (statusMessage !== undefined) record.statusMessage = statusMessage;
    if (runner !== '') record.runner = runner.slice(1);
    // Parsed from its JSON as a read from Redis would: a copy, no undefined members.
    if (created.restart !== undefined) record.restart = JSON.parse(JSON.stringify(created.restart)) as TaskRecord['restart'];
    return record;
  }
}
