import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { WorkSafeguards } from '../engine/WorkSafeguards.js';
import { inlineContext } from '../engine/workContext.js';
import { invalidToolResult, mcpError, outcomeOfThrow, toMcpError } from '../errors.js';
import { CallToolResultSchema, CreateTaskResultSchema, ErrorCode, McpError } from '../wire.js';
import type { ServerSession } from './dispatch.js';
import type { IncomingRequest } from './ServerHost.js';
import type { RegisteredTaskTool } from './toolRegistry.js';

/** The params of a `tools/call` every protocol reads. */
export interface ToolCallParams {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: { progressToken?: string | number };
}

/**
 * A call of a tool this library does not serve on `server`: handed to the server's own handler
 * (McpServer's). -32602 when nobody has the tool; -32601 when it was asked as a task.
 */
export async function serverToolCall(
  server: ServerSession,
  request: IncomingRequest,
  name: string,
  taskAugmented: boolean,
): Promise<Record<string, unknown>> {
  // The spec makes an unknown tool a protocol error; McpServer alone would answer isError.
  if (server.host.hasOwnTool(name) === false) throw mcpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
  if (taskAugmented) throw mcpError(ErrorCode.MethodNotFound, `Tool ${name} does not support task-augmented calls`);
  const previous = server.host.previous('tools/call');
  if (!previous) throw mcpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
  return previous(request);
}

/** The tool's arguments, parsed by its schema; -32602 "Invalid arguments for tool X" otherwise. */
export function toolArguments(tool: RegisteredTaskTool, name: string, args: unknown): unknown {
  const parsed = tool.parse(args);
  if (!parsed.success) throw mcpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${name}: ${parsed.message}`);
  return parsed.data;
}

/**
 * A `tools/call` answered on the call itself, no task: a task tool runs inline (`optional` ones
 * only), any other tool goes to the server. Both protocols use it (the extension for clients that
 * did not declare it).
 */
export async function directToolCall(
  server: ServerSession,
  request: IncomingRequest,
  params: ToolCallParams,
  safeguards: Pick<WorkSafeguards, 'runInline'>,
): Promise<Record<string, unknown>> {
  const { name } = params;
  const tool = server.tools.get(name);
  if (!tool) return serverToolCall(server, request, name, false);
  if (tool.taskSupport === 'required') {
    throw mcpError(ErrorCode.MethodNotFound, `Tool ${name} must be called as a task (taskSupport: 'required'): add params.task`);
  }
  const args = toolArguments(tool, name, params.arguments);
  let result: unknown;
  try {
    const inline = inlineContext(
      request.stream,
      request.signal,
      () => server.router.clientCapabilities(),
      params._meta?.progressToken,
      server.router.inlineClientTasks(),
    );
    result = await safeguards.runInline(name, inline, (context) => tool.run(args, context));
  } catch (error) {
    const outcome = outcomeOfThrow(error);
    if (outcome.type === 'error') throw toMcpError(outcome.error);
    return outcome.result;
  }
  // Checked as a task's result is (-32603), before checkToolCallResult would answer -32602 with JSON.
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) throw invalidToolResult(parsed.error);
  return parsed.data;
}

/**
 * The result checks the SDK v1 `Server` applies to a 2025-11-25 `tools/call` (same schemas, same
 * messages, `new McpError` as the SDK throws them): a CreateTaskResult when the call asked for a task, else a CallToolResult.
 */
export function checkToolCallResult(taskAugmented: boolean, result: unknown): Record<string, unknown> {
  if (taskAugmented) {
    const parsed = CreateTaskResultSchema.safeParse(result);
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `Invalid task creation result: ${parsed.error.message}`);
    return parsed.data;
  }
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `Invalid tools/call result: ${parsed.error.message}`);
  return parsed.data as CallToolResult;
}
