import { ClientCapabilitiesSchema, ErrorCode, RELATED_TASK_META_KEY } from '../../wire.js';
import type { ClientCapabilities, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describeZodError, mcpError, toMcpError } from '../../errors.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  TASKS_EXTENSION_ID,
} from './wire.js';
import type { ExtensionDetailedTask, ExtensionTask, InputRequests } from './wire.js';
import type { TaskRecord } from '../../types.js';

/**
 * Which protocol a request speaks, decided per request:
 * - `legacy`: no per-request client capabilities in `_meta` — a 2025-11-25 client; `params.task` opts in.
 * - `modern`: `_meta["io.modelcontextprotocol/clientCapabilities"]` present — a 2026-07-28-style
 *   client; `params.task` is ignored (SEP-2663) and `tasks` says whether it declared the extension.
 * @internal
 */
export type RequestProtocol =
  | { kind: 'legacy' }
  | { kind: 'modern'; capabilities: ClientCapabilities; tasks: boolean };

/** Reads the request's per-request client capabilities; -32602 when present but malformed. @internal */
export function requestProtocol(params: unknown): RequestProtocol {
  const meta = isObject(params) && isObject(params['_meta']) ? params['_meta'] : undefined;
  if (!meta || !(CLIENT_CAPABILITIES_META_KEY in meta)) return { kind: 'legacy' };
  const parsed = ClientCapabilitiesSchema.safeParse(meta[CLIENT_CAPABILITIES_META_KEY]);
  if (!parsed.success) {
    throw mcpError(ErrorCode.InvalidParams, `Invalid _meta["${CLIENT_CAPABILITIES_META_KEY}"]: ${describeZodError(parsed.error)}`);
  }
  const capabilities = parsed.data;
  return { kind: 'modern', capabilities, tasks: isObject(capabilities.extensions?.[TASKS_EXTENSION_ID]) };
}

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
 * `tasks/get`'s `DetailedTask` for a record. A work function that threw a plain `Error` leaves the
 * task `failed` with an `isError` result in the store (the 2025-11-25 view); the extension keeps
 * `failed` for JSON-RPC errors only, so that task shows as `completed` with the `isError` result.
 * @internal
 */
export async function detailedTask(engine: TaskEngine, record: TaskRecord): Promise<ExtensionDetailedTask> {
  const task = toExtensionTask(record);
  switch (record.status) {
    case 'working':
      return { ...task, status: 'working' };
    case 'cancelled':
      return { ...task, status: 'cancelled' };
    case 'input_required':
      return { ...task, status: 'input_required', inputRequests: await inputRequests(engine, record.taskId) };
    case 'completed':
    case 'failed': {
      const outcome = await engine.outcome(record.taskId);
      if (outcome.type === 'error') return { ...task, status: 'failed', error: { ...outcome.error } };
      return { ...task, status: 'completed', result: { ...outcome.result } };
    }
  }
}

/** The task's outstanding requests, keyed by their request ids (unique over the engine's life). @internal */
export async function inputRequests(engine: TaskEngine, taskId: string): Promise<InputRequests> {
  const requests: InputRequests = {};
  for (const queued of await engine.outstanding(taskId)) {
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
