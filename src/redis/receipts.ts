import { randomBytes } from 'node:crypto';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './scripts.js';

/**
 * How long a receipt key, and a receipt id a runner remembers, live at least (ms). A sender looks
 * for a receipt within half a second of each send and stops sending after its lease: two leases,
 * and never under a minute, is far beyond (the instances of one deployment share a lease length).
 */
const RECEIPT_TTL_MS = 60_000;
/** A receipt id as {@link Receipts.newId} makes it: anything else in a message is ignored. */
const RECEIPT_ID = /^[0-9a-f]{16}$/;

/**
 * Receipts of the answers forwarded to a task's runner on a Redis Cluster. There PUBLISH reaches
 * every node but counts only the subscribers of the node it ran on, so its count cannot tell an
 * answer lost in a resubscription from one delivered. Each answer carries an id; the runner writes
 * a receipt key under it (on the task's slot) and the sender sends the answer again until it finds
 * one. Sending again can deliver twice, so the runner passes each id on once.
 *
 * Plain keys and PUBLISH only: no sharded pub/sub, which ioredis 5 serves only with the client's
 * `shardedSubscribers` option and a connection per master.
 * @internal
 */
export class Receipts {
  /** Receipt ids already passed on here, by arrival time (a Map keeps insertion order). */
  private readonly seen = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    leaseMs: number,
  ) {
    this.ttlMs = Math.max(RECEIPT_TTL_MS, 2 * leaseMs);
  }

  /** A new receipt id, for one answer (all its sends). */
  static newId(): string {
    return randomBytes(8).toString('hex');
  }

  /** Whether `value` is a receipt id a sender made (the message may come from anyone with Redis access). */
  static isId(value: unknown): value is string {
    return typeof value === 'string' && RECEIPT_ID.test(value);
  }

  /**
   * The runner's side: writes the receipt (again, for a repeated send whose first receipt the
   * sender missed) and says whether the id is new here, that is whether to pass the answer on.
   * A failed write is left to the sender, which sends again and gets another receipt written.
   */
  received(taskId: string, receiptId: string): boolean {
    void this.redis.set(this.keys.receipt(taskId, receiptId), '1', 'PX', this.ttlMs).catch(() => {});
    const now = Date.now();
    for (const [id, at] of this.seen) {
      if (now - at < this.ttlMs) break;
      this.seen.delete(id);
    }
    if (this.seen.has(receiptId)) return false;
    this.seen.set(receiptId, now);
    return true;
  }

  /** The sender's side: whether the runner wrote the receipt; deletes it when it did. */
  async taken(taskId: string, receiptId: string): Promise<boolean> {
    return (await this.redis.del(this.keys.receipt(taskId, receiptId))) > 0;
  }
}
