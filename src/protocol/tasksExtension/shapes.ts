import { ErrorCode, RELATED_TASK_META_KEY } from '../../wire.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { mcpError, toMcpError } from '../../errors.js';
import type { QueuedRequest } from '../../backends/TaskMessageQueue.js';
import { MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION_ID } from './wire.js';
import type { ExtensionDetailedTask, ExtensionTask, InputRequests } from './wire.js';
import type { TaskOutcome, TaskRecord } from '../../types.js';
import { merged } from '../../merged.js';

/** -32021 Missing Required Client Capability, naming the tasks extension. @internal */
export function missingTasksExtension(what: string): McpError {
  return toMcpError({
    code: MISSING_REQUIRED_CLIENT_CAPABILITY,
    message: `Missing required client capability: ${what}`,
    data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } },
  });
}

/** -32601 for a 2025-11-25 method that a 2026-style request may not use. @internal */
export function notInExtension(method: string): McpError {
  return toMcpError({
    code: ErrorCode.MethodNotFound,
    message: `Method not found: ${method} is not part of the tasks extension (${TASKS_EXTENSION_ID})`,
  });
}

/** The extension's flat `Task` for a record: ms-suffixed ttl and poll interval, owner kept private. @internal */
export function toExtensionTask(record: TaskRecord): ExtensionTask {
  const task: ExtensionTask = {
    taskId: record.taskId,
    status: record.status,
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
    ttlMs: record.ttl,
    pollIntervalMs: record.pollInterval,
  };
  if (record.statusMessage !== undefined) task.statusMessage = record.statusMessage;
  return task;
}

/**
 * `tasks/get`'s `DetailedTask` for a record, given what its status needs: the outstanding
 * requests (`input_required`) or the outcome (`completed`/`failed`). A work function that threw a
 * plain `Error` leaves the task `failed` with an `isError` result in the store (the 2025-11-25
 * view); the extension keeps `failed` for JSON-RPC errors only, so that task shows as `completed`
 * with the `isError` result.
 * @internal
 */
export function detailedTask(
  record: TaskRecord,
  details: { outcome?: TaskOutcome; requests?: readonly QueuedRequest[] },
): ExtensionDetailedTask {
  const task = toExtensionTask(record);
  switch (record.status) {
    case 'working':
      return { ...task, status: 'working' };
    case 'cancelled':
      return { ...task, status: 'cancelled' };
    case 'input_required':
      return merged(task, { status: 'input_required' as const, inputRequests: inputRequests(details.requests ?? []) });
    case 'completed':
    case 'failed': {
      const outcome = details.outcome;
      if (!outcome) throw mcpError(ErrorCode.InternalError, `Task ${record.taskId} has no stored outcome`);
      // merged, not spread literals that add a key: see src/merged.ts.
      if (outcome.type === 'error') return merged(task, { status: 'failed' as const, error: { ...outcome.error } });
      return merged(task, { status: 'completed' as const, result: { ...outcome.result } });
    }
  }
}

/** The task's outstanding requests, keyed by their request ids (unique over the engine's life). @internal */
export function inputRequests(outstanding: readonly QueuedRequest[]): InputRequests {
  const requests: InputRequests = {};
  for (const queued of outstanding) {
    const { method, params } = queued.message;
    requests[queued.requestId] = params === undefined ? { method } : { method, params: withoutRelatedTask(params) };
  }
  return requests;
}

/** Drops the 2025-11-25 related-task key from `params._meta` (the extension does not use it). @internal */
export function withoutRelatedTask<T extends Record<string, unknown>>(params: T): T {
  const meta = params['_meta'];
  if (!isObject(meta) || !(RELATED_TASK_META_KEY in meta)) return params;
  const { [RELATED_TASK_META_KEY]: _related, ...rest } = meta;
  const copy: Record<string, unknown> = { ...params };
  if (Object.keys(rest).length > 0) copy['_meta'] = rest;
  else delete copy['_meta'];
  return copy as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
