import type { TaskRecord } from '../types.js';
import type { TaskEngineOptions } from './TaskEngineOptions.js';
import { isoString } from '../isoTime.js';
import { newTaskId } from './taskIds.js';
import type { TaskSpec } from './TaskSpec.js';
import { WAITING_FOR_WORKER } from './WorkerLink.js';

/**
 * The record a new task is stored with: a fresh id, `working`, its ttl clamped to the engine's
 * bounds, and who runs it (this instance, or nobody yet when a worker pool takes the work).
 * @internal
 */
export function newTaskRecord(spec: TaskSpec, options: TaskEngineOptions, now: number): TaskRecord {
  const createdAt = isoString(now);
  const requested = spec.ttl ?? options.defaultTtl;
  const record: TaskRecord = {
    taskId: newTaskId(),
    owner: spec.owner,
    status: 'working',
    createdAt,
    lastUpdatedAt: createdAt,
    ttl: Math.min(Math.max(requested, options.minTtl ?? 0), options.maxTtl),
    pollInterval: options.pollInterval,
  };
  // Added in place rather than spread from `{}` literals (one object per task, not four), in
  // the same order as before, so records keep one shape.
  // Dispatched to a worker pool: `working` (as the spec has it) and saying it waits for a worker.
  if (options.placement) record.statusMessage = WAITING_FOR_WORKER;
  // The call's progressToken outlives the instance that runs the task: a takeover's rerun sends on it.
  if (spec.restart) {
    record.restart = spec.progressToken === undefined ? spec.restart : { ...spec.restart, progressToken: spec.progressToken };
  }
  // A dispatched task has no runner until a worker claims it (a runner then means a rerun).
  if (options.cluster && !options.placement) record.runner = options.cluster.instanceId;
  return record;
}
