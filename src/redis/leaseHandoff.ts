/**
 * What a backend's store and cluster tell each other so that one lifecycle costs fewer Redis round
 * trips (issue 14): the store writes a new task's lease with its record and its lease index entry
 * (on one Redis in the same script; on a Redis Cluster, where the index is on a slot of its own,
 * just before the record: leaseIndex.ts), so the cluster's `claim` has nothing left to send; on one
 * Redis the store's settle also drops the lease index entry, so `release` has nothing left either.
 * @internal
 */
export class LeaseHandoff {
  /** Tasks whose create wrote their lease, with its deadline (taken by the cluster's claim). */
  private readonly claimed = new Map<string, number>();
  /** Tasks whose settle dropped their lease index entry (taken by the cluster's release). */
  private readonly released = new Set<string>();

  constructor(
    /** The runner the store writes leases for (the cluster's instance id). */
    readonly instanceId: string,
    readonly leaseMs: number,
    /** One Redis (not a cluster): the lease index may share a MULTI or script with a task's keys. */
    readonly oneRedis: boolean,
  ) {}

  /** The store wrote the lease of `taskId` until `deadline`. */
  wroteLease(taskId: string, deadline: number): void {
    this.claimed.set(taskId, deadline);
  }

  /** The deadline the store wrote for `taskId`'s lease, if it did (once). */
  takeLease(taskId: string): number | undefined {
    const deadline = this.claimed.get(taskId);
    if (deadline !== undefined) this.claimed.delete(taskId);
    return deadline;
  }

  /** The store's settle dropped `taskId` from the lease index. */
  droppedFromIndex(taskId: string): void {
    this.released.add(taskId);
  }

  /** Whether the store already dropped `taskId` from the lease index (once); forgets any unclaimed lease too. */
  takeDropped(taskId: string): boolean {
    this.claimed.delete(taskId);
    return this.released.delete(taskId);
  }
}
