import type { TaskRecord } from '../../types.js';

/** The 2025-11-25 `Task` of a record: what the spec shows, the owner and cluster fields stay private. */
export type WireTask = Omit<TaskRecord, 'owner' | 'runner' | 'restart'>;

/** The spec's `Task` for a record: the owner stays private. */
export function toTask(record: TaskRecord): WireTask {
  const { owner: _owner, runner: _runner, restart: _restart, ...task } = record;
  return task;
}
