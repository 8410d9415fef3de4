import { CallSettled } from '../engine/CallSettled.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext } from '../engine/TaskContext.js';
import type { WorkSafeguards } from '../engine/WorkSafeguards.js';
import { inlineContext } from '../engine/workContext.js';
import type { RunContext, WorkSettle } from '../engine/TaskSpec.js';
import { invalidToolResult, mcpError, outcomeOfThrow, toMcpError, UNREADABLE_ERROR } from '../errors.js';
import { CallToolResultSchema, CreateTaskResultSchema, ErrorCode, McpError } from '../wire.js';
import type { ServerSession } from './dispatch.js';
import type { IncomingRequest, ServerHost } from './ServerHost.js';
import type { OutputCheck, TaskToolEntry } from './toolRegistry.js';

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

/**
 * The task tool of that name on `server`, if any; a disabled one answers -32602 "Tool X disabled"
 * (the SDK's error; McpServer v1 wraps it as an isError result, v2 sends it as this JSON-RPC error).
 */
export function taskToolOf(server: ServerSession, name: string): TaskToolEntry | undefined {
  const tool = server.tools.get(name);
  if (tool && !tool.enabled) throw mcpError(ErrorCode.InvalidParams, `Tool ${name} disabled`);
  return tool;
}

/** What the work's context carries of the `tools/call` that started it (the SDK's `RequestHandlerExtra` fields). */
export type RequestFields = Pick<TaskContext, 'requestId' | 'sessionId' | 'authInfo' | '_meta'>;

/** Read once at the call: a long task keeps these few values, not the whole request and its SDK context. */
export function requestFields(request: IncomingRequest): RequestFields {
  const { caller } = request;
  const params = request.params as { _meta?: unknown } | undefined;
  const meta = params?._meta;
  return {
    requestId: request.id,
    ...(caller.sessionId === undefined ? {} : { sessionId: caller.sessionId }),
    ...(caller.authInfo === undefined ? {} : { authInfo: caller.authInfo }),
    ...(typeof meta === 'object' && meta !== null ? { _meta: meta as Record<string, unknown> } : {}),
  };
}

/**
 * The work's context with the call's fields, set on the context itself: a wrapper made with
 * `Object.create` turned every task's context into a prototype, a hidden class per task (issue 14).
 */
export function withRequest(task: RunContext, fields: RequestFields | undefined): RunContext {
  return fields === undefined ? task : task.addFields(fields);
}

/**
 * The result, if it matches the tool's output schema; otherwise throws the `Error` whose message is
 * the text the SDK's McpServer answers (an `isError` result inline, a `failed` task with that result).
 * Applied after `mapError`: the check is the library's, not the work's.
 */
export function checkedOutput(
  outputErrorText: ServerHost['outputErrorText'],
  outputIssues: OutputCheck,
  name: string,
  result: unknown,
): CallToolResult {
  // A result that is no CallToolResult at all is refused later, with the invalid-result error.
  if (typeof result !== 'object' || result === null) return result as CallToolResult;
  const failed = outputIssues(result as CallToolResult);
  if (failed) throw new Error(outputErrorText(name, failed.issues));
  return result as CallToolResult;
}

/** The engine's `run` of a task of `tool`: the work with the call's fields, then the output check. */
export function taskRun(
  safeguards: Pick<WorkSafeguards, 'runTask'>,
  host: Pick<ServerHost, 'outputErrorText'>,
  tool: TaskToolEntry,
  args: unknown,
  fields: RequestFields | undefined,
): (context: RunContext) => Promise<CallToolResult> {
  // What the task keeps: these values, not the tool entry or the host (see TaskToolEntry.work).
  const { name, work, outputIssues } = tool;
  const { outputErrorText } = host;
  // Not an async arrow (its suspended call would be kept per waiting task beside runTask's own
  // `then`), and the work and check closures made per run, sharing this one context.
  return (context) =>
    safeguards.runTask(
      name,
      context,
      (task) => work(args, withRequest(task, fields)),
      (result) => checkedOutput(outputErrorText, outputIssues, name, result),
    );
}

/**
 * A task's work for the engine, settled by the engine (see {@link taskSettle}): the tool's work
 * with the call's fields and the input cap. The safeguards of {@link taskRun}, without its `then`.
 */
export function taskWork(
  safeguards: Pick<WorkSafeguards, 'capInputs'>,
  tool: TaskToolEntry,
  args: unknown,
  fields: RequestFields | undefined,
): (context: RunContext) => Promise<CallToolResult> | CallToolResult {
  // The work alone, not the entry (see TaskToolEntry.work): the task keeps this closure.
  const { work } = tool;
  return (context) => work(args, withRequest(safeguards.capInputs(context), fields));
}

/** How the engine settles a task of `tool` started with {@link taskWork}: as {@link taskRun} does. */
export function taskSettle(
  safeguards: Pick<WorkSafeguards, 'fitted' | 'failure'>,
  host: Pick<ServerHost, 'outputErrorText'>,
  tool: TaskToolEntry,
): WorkSettle {
  // One per tool, not per task (56 bytes per live task): made again only if the tool was renamed
  // since (a task reports the name it was called by) or is served with other safeguards or SDK line.
  // It keeps the host's `outputErrorText`, never the host: the host holds its session's server.
  const { outputErrorText } = host;
  const known = settles.get(tool);
  const { name, outputIssues } = tool;
  if (
    known &&
    known.name === name &&
    known.outputIssues === outputIssues &&
    known.outputErrorText === outputErrorText &&
    known.safeguards === safeguards
  ) {
    return known;
  }
  const settle = new TaskToolSettle(safeguards, outputErrorText, outputIssues, name);
  settles.set(tool, settle);
  return settle;
}

/** The last {@link TaskToolSettle} made for each tool entry. */
const settles = new WeakMap<TaskToolEntry, TaskToolSettle>();

/** {@link taskSettle}'s object: a class, so a live task holds a reference and no closures. */
class TaskToolSettle implements WorkSettle {
  constructor(
    readonly safeguards: Pick<WorkSafeguards, 'fitted' | 'failure'>,
    readonly outputErrorText: ServerHost['outputErrorText'],
    /** The tool's output check at the call, not the tool entry: see TaskToolEntry.work. */
    readonly outputIssues: OutputCheck,
    /** The name at the call (a later rename does not change what this task reports). */
    readonly name: string,
  ) {}

  result(result: CallToolResult, taskId: string): CallToolResult {
    return checkedOutput(this.outputErrorText, this.outputIssues, this.name, this.safeguards.fitted(result, taskId));
  }

  error(error: unknown, taskId: string): unknown {
    return this.safeguards.failure(error, this.name, taskId);
  }
}

/** The tool's arguments, parsed by its schema; -32602 "Invalid arguments for tool X" otherwise. */
export function toolArguments(tool: TaskToolEntry, name: string, args: unknown): unknown {
  const parsed = tool.parse(args);
  if (!parsed.success) throw mcpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${name}: ${parsed.message}`);
  return parsed.data;
}

/**
 * A `tools/call` answered on the call itself, no task: a task tool runs inline (`optional` ones
 * only), any other tool goes to the server. Both protocols use it (the extension for clients that
 * did not declare it).
 *
 * `capabilities`: a 2026-style request's own client capabilities (`_meta`), which then alone decide
 * what the work may ask of the client (never the session's `initialize`: that era forbids inferring
 * them), and its asks go as plain requests, as on every tasks-extension request. Absent: the session's.
 */
export async function directToolCall(
  server: ServerSession,
  request: IncomingRequest,
  params: ToolCallParams,
  safeguards: Pick<WorkSafeguards, 'runInline'>,
  capabilities?: ClientCapabilities,
): Promise<Record<string, unknown>> {
  const { name } = params;
  const tool = taskToolOf(server, name);
  if (!tool) return serverToolCall(server, request, name, false);
  if (tool.taskSupport === 'required') {
    throw mcpError(ErrorCode.MethodNotFound, `Tool ${name} must be called as a task (taskSupport: 'required'): add params.task`);
  }
  const args = toolArguments(tool, name, params.arguments);
  let result: unknown;
  // Ended once the work settled: a client task it still follows is cancelled (workContext.ts inlineContext).
  const settled = new CallSettled(name);
  try {
    const inline = inlineContext({
      stream: request.stream,
      signal: request.signal,
      capabilities: capabilities === undefined ? () => server.router.clientCapabilities() : () => capabilities,
      progressToken: params._meta?.progressToken,
      // With a request's own capabilities no client tasks (docs/protocols.md): `*AsTask` sends the plain request.
      ...(capabilities === undefined ? { clientTasks: server.router.inlineClientTasks() } : {}),
      settled,
    });
    const fields = requestFields(request);
    let returned: unknown;
    try {
      returned = await safeguards.runInline(name, inline, (context) => tool.work(args, withRequest(context, fields)));
    } finally {
      settled.end();
    }
    result = checkedOutput(server.host.outputErrorText, tool.outputIssues, name, returned);
  } catch (error) {
    return inlineFailure(error);
  }
  // Checked as a task's result is (-32603), before checkToolCallResult would answer -32602 with JSON.
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) throw invalidToolResult(parsed.error);
  return parsed.data;
}

/**
 * The answer to an inline call whose work threw `error` (mapped): a JSON-RPC error for an
 * `McpError`, else an `isError` result with its message. Its message is read here once and
 * `runInline` measured it already; an error whose later reads throw (a getter that works once) is
 * answered with a line saying so, as its task would be, not with the getter's own error as -32603.
 */
function inlineFailure(error: unknown): Record<string, unknown> {
  let outcome: ReturnType<typeof outcomeOfThrow>;
  try {
    outcome = outcomeOfThrow(error);
  } catch {
    return { content: [{ type: 'text', text: UNREADABLE_ERROR }], isError: true };
  }
  if (outcome.type === 'error') throw toMcpError(outcome.error);
  return outcome.result;
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
