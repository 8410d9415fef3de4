import { ErrorCode, McpError } from './wire.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { JsonRpcErrorShape, TaskOutcome } from './types.js';
import { describeZodError } from './zodIssues.js';

/**
 * The one way this library builds a JSON-RPC error to throw: an `McpError` whose `message` is the
 * plain text. `new McpError(code, text)` makes its message "MCP error <code>: text", and the SDK
 * sends an error's `message` as is, so that prefix reached the wire, where the SDK client adds its
 * own ("MCP error -32602: MCP error -32602: …"). Both protocol paths build their errors here, so a
 * bad request gets the same message on either.
 * @internal
 */
export function mcpError(code: number, message: string, data?: unknown): McpError {
  const error = new McpError(code, message, data);
  error.message = message;
  return error;
}

/** -32602 for an id the caller cannot see (unknown, expired or someone else's: indistinguishable on purpose). @internal */
export function taskNotFound(taskId: unknown): McpError {
  // Line breaks and other control characters written as `\uXXXX`: the id is the client's, and an
  // error message is one line (a log reader or a UI should not see lines the client wrote).
  const shown = String(taskId)
    .slice(0, 100)
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return mcpError(ErrorCode.InvalidParams, `Task not found: ${shown}`);
}

/** C0 and C1 control characters and the two Unicode line separators. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The store guard's errors (backends/storeGuard.ts): the backend failed or did not answer, not a client's mistake. */
const unavailable = new WeakSet<object>();

/** -32603 for a store or queue that failed or did not answer: a fault that may pass. @internal */
export function unavailableError(message: string): McpError {
  const error = toMcpError({ code: ErrorCode.InternalError, message });
  unavailable.add(error);
  return error;
}

/**
 * Whether `error` is the store guard's "task store/queue unavailable" -32603 (the backend threw or
 * missed its deadline), i.e. a fault that may pass (Redis restarting) rather than an answer.
 * @internal
 */
export function isUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && unavailable.has(error);
}

/** What a task fails with, or an inline call answers, when what its work threw cannot be read. @internal */
export const UNREADABLE_ERROR = 'The tool threw an error that cannot be read';

/** -32603 for a tool whose work returned something that is not a `CallToolResult`. @internal */
export function invalidToolResult(error: z.ZodError): McpError {
  return mcpError(ErrorCode.InternalError, `Tool returned an invalid CallToolResult: ${describeZodError(error)}`);
}

/** Turns what the work threw into the task's outcome: JSON-RPC errors stay errors, anything else is an `isError` result. @internal */
export function outcomeOfThrow(error: unknown): TaskOutcome {
  if (error instanceof McpError) {
    return { type: 'error', error: errorShape(error) };
  }
  const message = error instanceof Error ? error.message : String(error);
  const result: CallToolResult = { content: [{ type: 'text', text: message }], isError: true };
  return { type: 'result', result };
}

/** The JSON-RPC error carried by an `McpError`, without the SDK's "MCP error N:" prefix. @internal */
export function errorShape(error: McpError): JsonRpcErrorShape {
  const prefix = `MCP error ${error.code}: `;
  let message = error.message;
  // An McpError built from another McpError's message carries the prefix once per wrapping.
  while (message.startsWith(prefix)) message = message.slice(prefix.length);
  return error.data === undefined ? { code: error.code, message } : { code: error.code, message, data: error.data };
}

/** The `McpError` to throw for a stored JSON-RPC error. @internal */
export function toMcpError(error: JsonRpcErrorShape): McpError {
  return mcpError(error.code, error.message, error.data);
}

// The limit error lives here, not in engine/limits.ts, because backends answer it too (the Redis
// backend's shared live-task limits) and backends sit below the engine.

/**
 * JSON-RPC error code of every limit in `TaskLimits`: an implementation-defined server error
 * (JSON-RPC reserves -32000…-32099 for those), chosen to echo HTTP 429. `data.limit` names the
 * option that was hit and `data.max` its value, so a client can tell the limits apart.
 */
export const LIMIT_EXCEEDED = -32029;

/** The name of a limit, as reported in `error.data.limit`. */
export type LimitName =
  | 'maxLiveTasks'
  | 'maxLiveTasksPerCaller'
  | 'maxQueuedInputRequests'
  | 'maxResultBytes'
  | 'memoryBudget'
  | 'maxListensPerCaller'
  | 'maxSessions'
  | 'maxSessionsPerPrincipal'
  | RateLimitName;

/** The rate limits of `TaskLimits`. */
export type RateLimitName = 'taskCreationRate' | 'taskOperationRate';

/** What a {@link LIMIT_EXCEEDED} error carries in `data`. */
export interface LimitExceededData {
  limit: LimitName;
  max: number;
  /** The size that was refused, for `maxResultBytes`. */
  actual?: number;
  taskId?: string;
  /** For the rate limits: ms after which the same request would be admitted. */
  retryAfterMs?: number;
}

/** The error a hit limit answers with. @internal */
export function limitExceeded(message: string, data: LimitExceededData): McpError {
  return toMcpError({ code: LIMIT_EXCEEDED, message, data });
}
