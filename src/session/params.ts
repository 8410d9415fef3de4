import { z } from 'zod';
import { mcpError } from '../errors.js';
import { describeZodError } from '../zodIssues.js';
import { CallToolRequestParamsSchema, ErrorCode, InitializeRequestParamsSchema, RELATED_TASK_META_KEY } from '../wire.js';
import type { ToolCallParams } from './toolCall.js';
import { isPlainObject } from '../plainObject.js';

/** Params of tasks/get, tasks/result and tasks/cancel; unknown fields are allowed and ignored. @internal */
export const taskIdParams = z.looseObject({ taskId: z.string().min(1).max(1024) });

/** Params of tasks/list. @internal */
export const listParams = z.looseObject({ cursor: z.string().max(1024).optional() }).optional();

/**
 * The one "Invalid params" of both protocols: `raw` checked against `schema`, -32602 with a
 * readable one-line message (the SDK's own parsing would surface a ZodError as -32603).
 * @internal
 */
export function parseParams<P extends z.ZodType>(method: string, schema: P, raw: unknown): z.output<P> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw mcpError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

// The hand checks below accept only params their schema surely accepts, and hand everything else
// to the schema, which gives the same answer and error as before. Two zod passes per lifecycle
// (tools/call, tasks/result) were about 2.5 % of its CPU (issue 14).

/**
 * A request `_meta` the SDK's RequestMetaSchema surely accepts: absent, or an object whose
 * `progressToken` is absent, a string or a safe integer and that names no related task. @internal
 */
export function isPlainRequestMeta(meta: unknown): boolean {
  if (meta === undefined) return true;
  if (!isPlainObject(meta) || meta[RELATED_TASK_META_KEY] !== undefined) return false;
  const token = meta['progressToken'];
  return token === undefined || typeof token === 'string' || Number.isSafeInteger(token);
}

/** The `taskId` of tasks/get, tasks/result or tasks/cancel params (taskIdParams); -32602 otherwise. @internal */
export function taskIdOf(method: string, raw: unknown): string {
  if (isPlainObject(raw)) {
    const taskId = raw['taskId'];
    if (typeof taskId === 'string' && taskId.length >= 1 && taskId.length <= 1024) return taskId;
  }
  return parseParams(method, taskIdParams, raw).taskId;
}

/** `tools/call` params as CallToolRequestParamsSchema reads them. */
export type CheckedToolCallParams = ToolCallParams & { task?: { ttl?: number } };

/**
 * Checks `initialize` params (InitializeRequestParamsSchema): -32602 with one line. Both SDK lines
 * parse them inside the handler we wrap (`transformInitialize`), and a client that sent, say,
 * `capabilities.elicitation: "yes"` got -32603 with a ZodError's JSON as message. @internal
 */
export function checkInitializeParams(raw: unknown): void {
  parseParams('initialize', InitializeRequestParamsSchema, raw);
}

/** `tools/call` params (CallToolRequestParamsSchema); -32602 otherwise. @internal */
export function toolCallParams(raw: unknown): CheckedToolCallParams {
  if (isPlainObject(raw)) {
    const { name, arguments: args, task, _meta } = raw;
    const ttl = isPlainObject(task) ? task['ttl'] : undefined;
    if (
      typeof name === 'string' &&
      (args === undefined || isPlainObject(args)) &&
      (task === undefined || (isPlainObject(task) && (ttl === undefined || Number.isFinite(ttl)))) &&
      isPlainRequestMeta(_meta)
    ) {
      // What the schema's output keeps: these four fields, `task` with its ttl only.
      const params: CheckedToolCallParams = { name };
      if (args !== undefined) params.arguments = args;
      if (task !== undefined) params.task = ttl === undefined ? {} : { ttl: ttl as number };
      if (_meta !== undefined) params._meta = _meta as CheckedToolCallParams['_meta'] & object;
      return params;
    }
  }
  return parseParams('tools/call', CallToolRequestParamsSchema, raw);
}
