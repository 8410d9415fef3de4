import type { RedisClient } from './scripts.js';

/** Longest wait for a new lease's index entry before its lease is stored anyway (ms). @internal */
export const LEASE_INDEX_WAIT_MS = 500;

/**
 * Writes the lease index entry of a task about to get its lease: call it, and wait, before the lease
 * itself is stored in the task's hash. Every sweep finds a dead runner's tasks through this index
 * only, and on a Redis Cluster it is on a slot of its own, so the two writes cannot be one step:
 * an entry without a lease is harmless (the sweep's takeover finds no task there and drops it), a
 * lease without an entry is not. Written after the hash and not waited for, an instance that died
 * in between (its connection to the index's master still opening, on a freshly started instance)
 * left its task `working` or `input_required` until its ttl, with a lease no sweep ever found.
 *
 * Waits at most {@link LEASE_INDEX_WAIT_MS} (and a quarter of the lease), and never fails: with the
 * index's master stalled or away, tasks on the other masters are still created (the entry is written
 * again by the runner's next renewal), as they were when the entry was not waited for at all. Only a
 * runner that dies during such an outage leaves its new task to its ttl.
 * @internal
 */
export async function indexLease(redis: RedisClient, leases: string, taskId: string, deadline: number, leaseMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.min(LEASE_INDEX_WAIT_MS, Math.floor(leaseMs / 4)));
    timer.unref?.();
  });
  const written = redis.zadd(leases, deadline, taskId).then(
    () => {},
    () => {},
  );
  try {
    await Promise.race([written, waited]);
  } finally {
    clearTimeout(timer);
  }
}
