import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import type { TaskRecord } from '../types.js';
import type { FrontLink } from './FrontLink.js';
import { cancelledOutcome } from './outcomes.js';

/** What {@link cancelUnrun} reaches of the engine. */
export interface CancelUnrunDeps {
  store: TaskStore;
  queue: TaskMessageQueue;
  cluster?: TaskCluster;
  frontLink?: FrontLink;
}

/**
 * Cancels a task no actor of this instance runs: its actor crashed, another instance runs it, or
 * a worker pool's job waits for a worker. With no actor to decide, the store's atomic settle does;
 * what was queued for the task is dropped, the runner (if any) is told to abort the work, and a
 * front tells its client and drops the job no worker took yet. Resolves with the record the settle
 * stored, undefined when the store refused it (the task had ended first).
 * @internal
 */
export async function cancelUnrun(deps: CancelUnrunDeps, taskId: string, reason: string): Promise<TaskRecord | undefined> {
  const stored = await deps.store.settle(taskId, 'cancelled', reason, cancelledOutcome(taskId, reason));
  // Only a cancel that was stored drops the queue: a task that ended first keeps what it queued
  // for its tasks/result (notifications, the requests a takeover would put back). So the clear
  // cannot come first, and dying in between leaves the queue: a live runner clears it when it hears
  // of the end (its settle refused), else it stays until the queue's expiry. No client is asked
  // its requests: a tasks/result sends no request of an ended task (rev2025-11-25/takeForDelivery.ts).
  if (stored) await deps.queue.clear(taskId);
  const sent = await deps.cluster?.send(taskId, { type: 'cancel', reason });
  await deps.frontLink?.cancelled(taskId, stored, sent);
  return stored;
}
