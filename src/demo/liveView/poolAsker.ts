/** A tool queue of a worker pool, as the live view shows it. */
export interface PoolQueueView {
  tool: string;
  waiting: number;
  active: readonly { taskId: string; worker: string | undefined }[];
}

/**
 * Questions to the pool that may be unanswered at once, those given up on included. While Redis is
 * away an answer may never come (BullMQ's connection retries forever): past this many, no question
 * is asked until one of them settles, so they do not pile up for as long as the outage lasts.
 */
const MAX_UNANSWERED = 3;

/** What {@link poolAsker} returns. */
export interface PoolAsker {
  /** Asks for the queues, unless a question is still within its time or too many are unanswered. */
  ask(): void;
  /** Stops the timer of the question in its time; answers that come later are dropped. */
  close(): void;
}

/**
 * Asks `pool` for its queues, for the live view's "Worker pool" panel, and sends what it learnt:
 * `pool` with the queues, or `poolUnavailable` with a reason the page shows. One question at a time,
 * each given `timeoutMs`: a question that never settled kept every later refresh from being asked,
 * and the panel showed its last figures, as if current, for good. An answer that comes after its
 * question was given up on is dropped (a later one says more).
 */
export function poolAsker(
  pool: () => Promise<readonly PoolQueueView[]>,
  timeoutMs: number,
  send: (event: 'pool' | 'poolUnavailable', data: unknown) => void,
): PoolAsker {
  let unanswered = 0;
  /** The question still within its time, if any: its timer. */
  let current: NodeJS.Timeout | undefined;
  let closed = false;
  const unavailable = (reason: string): void => send('poolUnavailable', { reason });
  return {
    ask() {
      if (closed || current) return;
      if (unanswered >= MAX_UNANSWERED) return unavailable(`the pool has not answered the last ${MAX_UNANSWERED} questions`);
      unanswered += 1;
      const timer = setTimeout(() => {
        current = undefined;
        unavailable(`no answer from the pool in ${timeoutMs} ms`);
      }, timeoutMs);
      current = timer;
      const settled = (answer: () => void): void => {
        unanswered -= 1;
        if (current !== timer || closed) return;
        clearTimeout(timer);
        current = undefined;
        answer();
      };
      void Promise.resolve()
        .then(pool)
        .then(
          (queues) => settled(() => send('pool', { queues })),
          // Redis away: the page says so, and keeps the last figures it had, marked as old.
          () => settled(() => unavailable('the pool could not be asked (is Redis reachable?)')),
        );
    },
    close() {
      closed = true;
      if (current) clearTimeout(current);
      current = undefined;
    },
  };
}
