/** What one sweep does with the lease index entries it found due (RedisTaskCluster.ts). @internal */
export interface SweepPlan {
  /** Tasks this instance now runs: the takeover wrote it as their runner. */
  taken: string[];
  /** Entries to drop: their task is gone, settled, or a key of another type. */
  gone: string[];
  /** Score/member pairs to write back to the index. */
  index: (string | number)[];
}

/**
 * Sorts the due entries by what their takeover script answered (scripts.ts TAKE_OVER): -1 gone,
 * 1 taken (indexed at the new lease's `deadline`), else the live lease's deadline. An entry whose
 * takeover failed is pushed back to `deadline` too, so that the next sweep's read moves on to the
 * entries behind it: left where it was, 100 entries that fail every time (the sweep reads 100 at a
 * time) kept every task due behind them from ever being taken over. It is tried again a lease later.
 * @internal
 */
export function planSweep(due: string[], results: PromiseSettledResult<number>[], deadline: number): SweepPlan {
  const plan: SweepPlan = { taken: [], gone: [], index: [] };
  results.forEach((outcome, i) => {
    const taskId = due[i]!;
    if (outcome.status === 'rejected') plan.index.push(deadline, taskId);
    else if (outcome.value === -1) plan.gone.push(taskId);
    else if (outcome.value === 1) {
      plan.taken.push(taskId);
      plan.index.push(deadline, taskId);
    } else plan.index.push(outcome.value, taskId);
  });
  return plan;
}
