import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcErrorShape, TaskOutcome } from './types.js';

/** -32602 for an id the caller cannot see (unknown, expired or someone else's: indistinguishable on purpose). @internal */
export function taskNotFound(taskId: unknown): McpError {
  return new McpError(ErrorCode.InvalidParams, `Task not found: ${String(taskId).slice(0, 100)}`);
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
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return error.data === undefined ? { code: error.code, message } : { code: error.code, message, data: error.data };
}

/** The `McpError` to throw for a stored JSON-RPC error. @internal */
export function toMcpError(error: JsonRpcErrorShape): McpError {
  const mcpError = new McpError(error.code, error.message, error.data);
  // The SDK sends `message` as is: keep the stored text rather than "MCP error N: ..." on the wire.
  mcpError.message = error.message;
  return mcpError;
}
