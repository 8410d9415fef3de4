import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError } from '../../wire.js';
import type { CallToolResult, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeZodError, mcpError } from '../../errors.js';
import { answerSchemaFor } from '../../engine/answers.js';
import { callToolForExtension } from './toolCall.js';
import { taskIdParams } from '../../session/params.js';
import { currentRequestHandler } from '../../sdk/v1/internals.js';
import type { RawRequestHandler } from '../../sdk/v1/internals.js';
import type { ServerBinding, ServerExtra } from '../../session/ServerBinding.js';
import type { TaskContext } from '../../engine/TaskContext.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { detailedTask, missingTasksExtension, notInExtension, requestProtocol } from './shapes.js';
import type { RequestProtocol } from './shapes.js';
import { TASKS_EXTENSION_ID, UpdateTaskParamsSchema } from './wire.js';
import { isTerminal } from '../../types.js';

/** Settings of the tasks extension binding. @internal */
export interface TasksExtensionSettings {
  /** ms an `optional` tool runs inline before its call is answered with a task. */
  promoteAfter: number;
  /** Runs a task's work the way the 2025-11-25 path does (error mapping, result limits). */
  runTask(tool: string, task: TaskContext, work: (task: TaskContext) => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult>;
}

type RawRequest = { method: string; params?: unknown };
type Handler = (request: RawRequest, extra: ServerExtra, protocol: RequestProtocol) => Promise<Record<string, unknown>>;

/**
 * The tasks extension binding (`io.modelcontextprotocol/tasks`, SEP-2663) on one server, over the
 * same engine as the 2025-11-25 binding, which must already be installed. Each request picks its
 * protocol (see `requestProtocol`): requests without per-request client capabilities go to the
 * 2025-11-25 handlers untouched; 2026-style requests get the extension's methods and shapes.
 * @internal
 */
export function registerTasksExtension(
  binding: ServerBinding,
  engine: TaskEngine,
  ownerOf: (extra: ServerExtra) => string,
  settings: TasksExtensionSettings,
): void {
  const { server } = binding;
  server.registerCapabilities({ extensions: { [TASKS_EXTENSION_ID]: {} } });

  chain(server, 'tasks/get', async (request, extra, protocol) => {
    const params = extensionParams(request, protocol, taskIdParams);
    const record = await engine.get(params.taskId, ownerOf(extra));
    return { ...(await detailedTask(engine, record)), resultType: 'complete' };
  });

  chain(server, 'tasks/update', async (request, extra, protocol) => {
    const params = extensionParams(request, protocol, UpdateTaskParamsSchema);
    await engine.get(params.taskId, ownerOf(extra));
    const outstanding = new Map((await engine.outstanding(params.taskId)).map((r) => [r.requestId, r]));
    const answers = Object.entries(params.inputResponses).filter(([key]) => outstanding.has(key));
    // All answers are checked before any is delivered, so a bad one leaves the task as it was.
    for (const [key, answer] of answers) {
      const problem = invalidAnswer(outstanding.get(key)!.message, answer);
      if (problem) throw mcpError(ErrorCode.InvalidParams, `Invalid inputResponses["${key}"]: ${problem}`);
    }
    for (const [key, answer] of answers) engine.answer(params.taskId, key, { result: answer });
    return { resultType: 'complete' };
  });

  chain(server, 'tasks/cancel', async (request, extra, protocol) => {
    const params = extensionParams(request, protocol, taskIdParams);
    const owner = ownerOf(extra);
    const record = await engine.get(params.taskId, owner);
    if (!isTerminal(record.status)) {
      try {
        await engine.cancel(params.taskId, owner);
      } catch (error) {
        // Settled meanwhile: still an ack (cancellation is cooperative). Gone meanwhile: -32602.
        await engine.get(params.taskId, owner);
        if (!(error instanceof McpError && error.code === ErrorCode.InvalidParams)) throw error;
      }
    }
    return { resultType: 'complete' };
  });

  for (const method of ['tasks/result', 'tasks/list']) {
    chain(server, method, async () => {
      throw notInExtension(method);
    });
  }

  chainToolCall(binding, engine, ownerOf, settings);
}

/**
 * Wraps `tools/call`: 2026-style requests for task tools are served here (with `params.task`
 * ignored, as SEP-2663 demands); everything else goes to the 2025-11-25 handler.
 */
function chainToolCall(
  binding: ServerBinding,
  engine: TaskEngine,
  ownerOf: (extra: ServerExtra) => string,
  settings: TasksExtensionSettings,
): void {
  const { server } = binding;
  const previous = currentRequestHandler(server, 'tools/call');
  if (!previous) throw new Error('mcp-task-actors: install the tools/call handler before the tasks extension');
  const toolCallParams = z.looseObject({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()).optional(),
    _meta: z.looseObject({ progressToken: z.union([z.string(), z.number()]).optional() }).optional(),
  });
  const schema = z.object({ method: z.literal('tools/call'), params: z.unknown().optional() });
  // Installed with the base Protocol method: `Server` would validate every non-`task` result as a
  // CallToolResult and add `content: []` to the extension's CreateTaskResult. The 2025-11-25
  // handler we delegate to keeps that validation.
  const install = Protocol.prototype.setRequestHandler as unknown as (
    this: Server,
    requestSchema: typeof schema,
    handler: (request: z.output<typeof schema>, extra: ServerExtra) => Promise<Record<string, unknown>>,
  ) => void;
  install.call(server, schema, async (request, extra) => {
    const protocol = requestProtocol(request.params);
    if (protocol.kind === 'legacy') return (await previous(request as JSONRPCRequest, extra)) as Record<string, unknown>;
    const parsed = toolCallParams.safeParse(request.params);
    if (!parsed.success) {
      throw mcpError(ErrorCode.InvalidParams, `Invalid params for tools/call: ${describeZodError(parsed.error)}`);
    }
    const { task: _ignored, ...params } = parsed.data;
    const delegate = async (): Promise<Record<string, unknown>> => {
      const result = (await previous({ ...request, params } as unknown as JSONRPCRequest, extra)) as Record<string, unknown>;
      return { ...result, resultType: 'complete' };
    };
    const tool = binding.tools.get(params.name);
    if (!tool) return delegate();
    if (!protocol.tasks) {
      if (tool.taskSupport === 'required') throw missingTasksExtension(`tool ${params.name} runs only as a task`);
      return delegate();
    }
    const args = tool.parse(params.arguments);
    if (!args.success) {
      throw mcpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${params.name}: ${args.message}`);
    }
    const progressToken = params._meta?.progressToken;
    return callToolForExtension(
      {
        engine,
        binding,
        owner: ownerOf(extra),
        capabilities: protocol.capabilities,
        extra,
        ...(progressToken === undefined ? {} : { progressToken }),
        promoteAfter: settings.promoteAfter,
        run: (context) => settings.runTask(params.name, context, (task) => tool.run(args.data, task)),
        ...(tool.restartable ? { restart: { tool: params.name, args: args.data } } : {}),
      },
      tool,
    );
  });
}

/**
 * Replaces `method`'s handler: 2025-11-25 requests go to the handler that was there (if none,
 * -32601), 2026-style requests without the extension get -32021, the rest go to `handle`.
 */
function chain(server: Server, method: string, handle: Handler): void {
  const previous: RawRequestHandler | undefined = currentRequestHandler(server, method);
  const schema = z.object({ method: z.literal(method), params: z.unknown().optional() });
  server.setRequestHandler(schema, async (request, extra) => {
    const protocol = requestProtocol(request.params);
    if (protocol.kind === 'legacy') {
      if (!previous) throw mcpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
      return (await previous(request as JSONRPCRequest, extra)) as Record<string, unknown>;
    }
    return handle(request, extra, protocol);
  });
}

/** The request's params for an extension method; -32021 unless the request declared the extension. */
function extensionParams<P extends z.ZodType>(request: RawRequest, protocol: RequestProtocol, schema: P): z.output<P> {
  if (protocol.kind !== 'modern' || !protocol.tasks) {
    throw missingTasksExtension(`${request.method} needs the ${TASKS_EXTENSION_ID} extension`);
  }
  const parsed = schema.safeParse(request.params);
  if (!parsed.success) {
    throw mcpError(ErrorCode.InvalidParams, `Invalid params for ${request.method}: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

/** Why `answer` cannot answer `request` (undefined when it can). */
function invalidAnswer(request: JSONRPCRequest, answer: Record<string, unknown>): string | undefined {
  const schema = answerSchemaFor(request);
  if (!schema) return undefined;
  const parsed = schema.safeParse(answer);
  return parsed.success ? undefined : describeZodError(parsed.error);
}

/** Settings from `TaskSupportOptions`; `promoteAfter` (ms) defaults to 1000 and may be 0. @internal */
export function tasksExtensionSettings(
  promoteAfter: number | undefined,
  runTask: TasksExtensionSettings['runTask'],
): TasksExtensionSettings {
  const ms = promoteAfter ?? 1000;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`promoteAfter must be a number of ms >= 0, got ${ms}`);
  return { promoteAfter: ms, runTask };
}
