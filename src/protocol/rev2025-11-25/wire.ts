import type { TaskRecord } from '../../types.js';

/** The 2025-11-25 `Task` of a record: what the spec shows, the owner and cluster fields stay private. */
export type WireTask = Omit<TaskRecord, 'owner' | 'runner' | 'restart'>;

/** The spec's `Task` for a record: the owner stays private. */
export function toTask(record: TaskRecord): WireTask {
  // The spec's fields as one literal: an object rest (dropping owner, runner, restart) cost about
  // ten times as much (issue 14: on every tasks/get and tasks/cancel, and on a create), and passed
  // on whatever else a custom store had put in a record.
  const { taskId, status, statusMessage, createdAt, lastUpdatedAt, ttl, pollInterval } = record;
  return statusMessage === undefined
    ? { taskId, status, createdAt, lastUpdatedAt, ttl, pollInterval }
    : { taskId, status, statusMessage, createdAt, lastUpdatedAt, ttl, pollInterval };
}
