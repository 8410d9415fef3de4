import { ErrorCode, JSONRPCRequestSchema, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCErrorResponse } from '@modelcontextprotocol/sdk/types.js';
import { describeZodError } from '../zodIssues.js';
import { isPlainObject } from '../plainObject.js';
import { surelyValidRequest } from './surelyValidRequest.js';

/** What {@link checkRequest} says of a message the SDK's request schema accepts. @internal */
export const REQUEST = 'request';

/**
 * Sorts out requests (method and id present): {@link REQUEST} for one the SDK's request schema
 * accepts (the schema is strict, so it is no response either), the error reply for one it rejects
 * (-32602 when only its params are wrong, e.g. a malformed `_meta` or an array; -32600 when it is
 * no valid request), undefined for any other message. Both SDK lines drop a request their schema
 * rejects without a reply, leaving the client waiting forever; SDK v2's `JSONRPCRequestSchema` is
 * the same as v1's (test/sdk/v2/unparseableRequest.test.ts pins the agreement), and v1's is used
 * for both because v2 is an optional peer this package never loads at runtime.
 * @internal
 */
export function checkRequest(message: unknown): typeof REQUEST | JSONRPCErrorResponse | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  if (surelyValidRequest(message)) return REQUEST;
  const parsed = JSONRPCRequestSchema.safeParse(message);
  if (parsed.success) return REQUEST;
  const onlyParams = jsonrpc === '2.0' && typeof params === 'object' && params !== null;
  // One line, as every other -32602 here (z.prettifyError spans lines: "✖ …\n  → at params._meta").
  const why = describeZodError(parsed.error).slice(0, 500);
  const error = onlyParams
    ? { code: ErrorCode.InvalidParams, message: `Invalid params for ${method.slice(0, 100)}: ${why}` }
    : { code: ErrorCode.InvalidRequest, message: `Invalid request: ${why}` };
  return { jsonrpc: '2.0', id, error };
}

/** The methods on which 2025-11-25 says receivers MUST ignore the related-task `_meta` key (they name the task in `params.taskId`). */
const RELATED_TASK_IGNORED = new Set(['tasks/get', 'tasks/result', 'tasks/cancel']);

/**
 * The message without `params._meta["io.modelcontextprotocol/related-task"]` when it is a
 * tasks/get, tasks/result or tasks/cancel request (2025-11-25 types the key nowhere on them, and
 * receivers MUST ignore it), so that the SDK's request schema, which wants `{ taskId: string }`
 * there, cannot refuse a request the spec says to serve by `params.taskId`; any other message
 * unchanged (same reference). A `_meta` left empty stays, as the client sent one.
 * @internal
 */
export function withoutIgnoredRelatedTask(message: unknown): unknown {
  if (!isPlainObject(message) || !RELATED_TASK_IGNORED.has(message['method'] as string) || !('id' in message)) return message;
  const params = message['params'];
  if (!isPlainObject(params)) return message;
  const meta = params['_meta'];
  if (!isPlainObject(meta) || !(RELATED_TASK_META_KEY in meta)) return message;
  const { [RELATED_TASK_META_KEY]: _ignored, ...rest } = meta;
  return { ...message, params: { ...params, _meta: rest } };
}
