import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestParamsSchema, CallToolRequestSchema, CallToolResultSchema, ErrorCode, ListToolsRequestSchema } from '../../wire.js';
import type { CallToolResult, JSONRPCRequest, ListToolsResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeZodError, invalidToolResult, mcpError, outcomeOfThrow, toMcpError } from '../../errors.js';
import { inlineContext } from '../../engine/workContext.js';
import { currentRequestHandler, installMcpServerToolHandlers, mcpServerHasTool } from '../../sdk/v1/internals.js';
import type { ServerBinding, ServerExtra } from '../../session/ServerBinding.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { toTask } from './wire.js';
import type { WorkSafeguards } from '../../engine/WorkSafeguards.js';

const anyToolsCall = z.object({ method: z.literal('tools/call'), params: z.unknown().optional() });

/**
 * Takes over `tools/list` and `tools/call` on one server: task tools are served here, every other
 * tool is handed to whatever handler was there before (e.g. `McpServer`'s own).
 * @internal
 */
export function installToolHandlers(
  binding: ServerBinding,
  engine: TaskEngine,
  ownerOf: (extra: ServerExtra) => string,
  safeguards: WorkSafeguards,
): void {
  if (binding.toolHandlersInstalled) return;
  binding.toolHandlersInstalled = true;
  const { server, mcpServer } = binding;
  if (mcpServer) installMcpServerToolHandlers(mcpServer);
  else server.registerCapabilities({ tools: {} });
  const previousList = currentRequestHandler(server, 'tools/list');
  const previousCall = currentRequestHandler(server, 'tools/call');

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const base = previousList
      ? ((await previousList(request as unknown as JSONRPCRequest, extra)) as ListToolsResult)
      : { tools: [] };
    // Ours go on the last page only, so a paginating server keeps its cursors.
    if (base.nextCursor !== undefined) return base;
    return { ...base, tools: [...base.tools, ...[...binding.tools.values()].map((tool) => tool.definition)] };
  });

  // Registered under a lenient schema so that the params are checked (checkParamsFirst, then the
  // SDK's tools/call wrapper) and answered -32602; the strict schema here would make the SDK's
  // parse throw a bare ZodError (-32603).
  server.setRequestHandler(anyToolsCall, async (raw, extra) => {
    const request = CallToolRequestSchema.parse(raw);
    const { name, task } = request.params;
    const tool = binding.tools.get(name);
    if (!tool) {
      // The spec makes an unknown tool a protocol error; McpServer alone would answer isError.
      if (mcpServer && !mcpServerHasTool(mcpServer, name)) {
        throw mcpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
      }
      if (task !== undefined) {
        throw mcpError(ErrorCode.MethodNotFound, `Tool ${name} does not support task-augmented calls`);
      }
      if (previousCall) return (await previousCall(request as unknown as JSONRPCRequest, extra)) as CallToolResult;
      throw mcpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
    }
    if (tool.taskSupport === 'required' && task === undefined) {
      throw mcpError(ErrorCode.MethodNotFound, `Tool ${name} must be called as a task (taskSupport: 'required'): add params.task`);
    }
    if (task?.ttl !== undefined && !(Number.isInteger(task.ttl) && task.ttl >= 0)) {
      // A ttl is a whole number of ms ≥ 0 (a negative one would grant a task deleted before anyone
      // can read it); one below minTtl is granted minTtl, and the task reports what it was granted.
      throw mcpError(ErrorCode.InvalidParams, `Invalid params.task.ttl: ${task.ttl} (expected an integer number of ms ≥ 0)`);
    }
    const args = tool.parse(request.params.arguments);
    if (!args.success) {
      throw mcpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${name}: ${args.message}`);
    }
    if (task === undefined) {
      let result: unknown;
      try {
        const stream = {
          notify: (n: ServerNotification) => extra.sendNotification(n),
          request: <T>(r: { method: string; params?: Record<string, unknown> }, schema: z.ZodType<T>) =>
            extra.sendRequest(r as ServerRequest, schema as never) as Promise<T>,
        };
        const inline = inlineContext(stream, extra.signal, () => binding.clientCapabilities(), extra._meta?.progressToken);
        result = await safeguards.runInline(name, inline, (context) => tool.run(args.data, context));
      } catch (error) {
        const outcome = outcomeOfThrow(error);
        if (outcome.type === 'error') throw toMcpError(outcome.error);
        return outcome.result;
      }
      // Checked as a task's result is (-32603), before the SDK's wrapper would answer -32602 with JSON.
      const parsed = CallToolResultSchema.safeParse(result);
      if (!parsed.success) throw invalidToolResult(parsed.error);
      return parsed.data;
    }
    const progressToken = request.params._meta?.progressToken;
    const record = await engine.start({
      owner: ownerOf(extra),
      ...(task.ttl === undefined ? {} : { ttl: task.ttl }),
      session: {
        clientCapabilities: () => binding.clientCapabilities(),
        notify: (n) => binding.notify(n),
        statusChanged: async (r) => void (await binding.notify({ method: 'notifications/tasks/status', params: toTask(r) })),
      },
      ...(progressToken === undefined ? {} : { progressToken }),
      run: (context) => safeguards.runTask(name, context, (task) => tool.run(args.data, task)),
      ...(tool.restartable ? { restart: { tool: name, args: args.data } } : {}),
    });
    return { task: toTask(record) };
  });
  checkParamsFirst(server);
}

/**
 * Puts a params check in front of the SDK's tools/call wrapper, which answers malformed params with
 * "Invalid tools/call request:" and the ZodError's JSON as the message. Checked here first, with the
 * message the tasks extension gives for the same params (one line, `name: Invalid input: …`).
 * Installed with the base `Protocol` method, so `Server` does not wrap it once more.
 */
function checkParamsFirst(server: Server): void {
  const wrapped = currentRequestHandler(server, 'tools/call');
  if (!wrapped) return;
  const install = Protocol.prototype.setRequestHandler as unknown as (
    this: Server,
    requestSchema: typeof anyToolsCall,
    handler: (request: z.output<typeof anyToolsCall>, extra: ServerExtra) => Promise<unknown>,
  ) => void;
  install.call(server, anyToolsCall, async (request, extra) => {
    const params = CallToolRequestParamsSchema.safeParse(request.params);
    if (!params.success) throw mcpError(ErrorCode.InvalidParams, `Invalid params for tools/call: ${describeZodError(params.error)}`);
    return wrapped(request as JSONRPCRequest, extra);
  });
}
