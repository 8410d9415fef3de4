import { SETTLED } from './LiveTask.js';
import type { LiveTask } from './LiveTask.js';

/**
 * Holds the task's writes (`live.writes`) from just before a request's enqueue until its actor has
 * been told of the request (`input.request`), and returns the release (once is enough; more do
 * nothing). The request is in the queue as soon as its enqueue lands, but the actor hears of it only
 * when that enqueue answers; a take of the queue that finds a request waits for these writes
 * (TaskStorage.takeMessages), so no `tasks/result` or push hands the request out before then. A
 * queue that answered late (a slow reply, one sent again after a lost reply) let a client answer
 * in between: the answer reached an actor still `working`, which ignored it, then went
 * `input_required` and waited for it until the task's ttl (test/engine/answerBeforeAsked.test.ts).
 * Writes the actor decides meanwhile wait too (for one enqueue, its tries included), which also
 * keeps its `input_required` after the request is queued, as before.
 */
export function holdWritesUntilAsked(live: LiveTask): () => void {
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const before = live.writes;
  const link = before === SETTLED ? held : before.then(() => held);
  live.writes = link;
  return () => {
    if (!release) return;
    release();
    release = undefined;
    // Nothing chained after it: the task holds the shared settled promise again, as StoreWriter's last write leaves it.
    void link.then(() => {
      if (live.writes === link) live.writes = SETTLED;
    });
  };
}
