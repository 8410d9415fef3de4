import type { TaskRecord } from '../types.js';

/** How long a settled task's record and outcome are kept for its `tasks/result` (ms). */
const KEEP_MS = 30_000;
/** At most this many are kept: the oldest go first. */
const MAX_KEPT = 10_000;

interface Settled {
  record: TaskRecord;
  /** The outcome as stored (JSON), so a read returns what a read from Redis would. */
  outcome: string;
  /** Kept until then (ms since epoch), never past the task's ttl. */
  until: number;
}

/**
 * The records and outcomes of tasks this instance settled lately, as its settle script returned
 * them. A terminal record never changes, so the `tasks/result` that follows (mostly on this
 * instance, where the task ran) reads them without a round trip: two of a lifecycle's nine
 * (issue 14). A task deleted here is forgotten at once; one past its ttl is read from Redis.
 * @internal
 */
export class SettledHere {
  private readonly byId = new Map<string, Settled>();

  remember(record: TaskRecord, outcome: string): void {
    const now = Date.now();
    // Oldest first (insertion order, and `until` grows with it but for short ttls): drop what lapsed.
    for (const [taskId, settled] of this.byId) {
      if (settled.until > now && this.byId.size < MAX_KEPT) break;
      this.byId.delete(taskId);
    }
    const expiresAt = Date.parse(record.createdAt) + record.ttl;
    this.byId.set(record.taskId, { record, outcome, until: Math.min(now + KEEP_MS, expiresAt) });
  }

  /** The task's record and outcome, if this instance settled it lately and its ttl has not run out. */
  read(taskId: string): Settled | undefined {
    const settled = this.byId.get(taskId);
    if (!settled) return undefined;
    if (settled.until > Date.now()) return settled;
    this.byId.delete(taskId);
    return undefined;
  }

  /** {@link read}, then forgotten (the outcome is the last thing a `tasks/result` reads). */
  take(taskId: string): Settled | undefined {
    const settled = this.read(taskId);
    this.byId.delete(taskId);
    return settled;
  }

  forget(taskId: string): void {
    this.byId.delete(taskId);
  }
}
