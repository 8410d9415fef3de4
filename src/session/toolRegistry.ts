import { z } from 'zod';
import type { ZodRawShape } from 'zod';
import type { CallToolResult, ListToolsResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ListToolsRequestSchema } from '../wire.js';
import type { IncomingRequest, ServerHost } from './ServerHost.js';
import { describeZodError } from '../errors.js';
import type { TaskContext } from '../engine/TaskContext.js';

/** How a tool takes part in tasks (the spec's `execution.taskSupport`, minus `forbidden`). */
export type TaskSupportMode = 'required' | 'optional';

/** Describes a task tool, like `McpServer.registerTool`'s config plus `taskSupport`. */
export interface TaskToolConfig<Shape extends ZodRawShape> {
  title?: string;
  description?: string;
  /** Zod shape of the arguments; validated before any task is created. */
  inputSchema?: Shape;
  annotations?: ToolAnnotations;
  _meta?: Record<string, unknown>;
  /** `required`: only as a task. `optional`: as a task when asked, else inline. */
  taskSupport: TaskSupportMode;
  /**
   * With a cluster: when the instance running a task dies, another instance runs the work again
   * from the start (at-least-once) instead of failing the task. Only for idempotent work.
   */
  restartable?: boolean;
}

/** A tool's work: its resolved value completes the task, its throw fails it. */
export type TaskToolWork<Shape extends ZodRawShape> = (
  args: z.infer<z.ZodObject<Shape>>,
  task: TaskContext,
) => Promise<CallToolResult> | CallToolResult;

/** A task tool as registered on one server. @internal */
export interface RegisteredTaskTool {
  readonly definition: Tool;
  readonly taskSupport: TaskSupportMode;
  readonly restartable: boolean;
  parse(args: unknown): { success: true; data: unknown } | { success: false; message: string };
  run(args: unknown, task: TaskContext): Promise<CallToolResult> | CallToolResult;
}

/** Builds the registry entry (and its `tools/list` definition) for a task tool. @internal */
export function defineTaskTool<Shape extends ZodRawShape>(
  name: string,
  config: TaskToolConfig<Shape>,
  work: TaskToolWork<Shape>,
): RegisteredTaskTool {
  const schema = z.object(config.inputSchema ?? ({} as Shape));
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  const definition: Tool = {
    name,
    inputSchema: inputSchema as Tool['inputSchema'],
    execution: { taskSupport: config.taskSupport },
  };
  if (config.title !== undefined) definition.title = config.title;
  if (config.description !== undefined) definition.description = config.description;
  if (config.annotations !== undefined) definition.annotations = config.annotations;
  if (config._meta !== undefined) definition._meta = config._meta;
  return {
    definition,
    taskSupport: config.taskSupport,
    restartable: config.restartable ?? false,
    parse: (args) => {
      const parsed = schema.safeParse(args ?? {});
      if (parsed.success) return { success: true, data: parsed.data };
      return { success: false, message: describeZodError(parsed.error) };
    },
    run: (args, task) => work(args as z.infer<z.ZodObject<Shape>>, task),
  };
}

/**
 * `tools/list`: the server's own tools (McpServer's), then the task tools on the last page only,
 * so a paginating server keeps its cursors. Params are checked as the SDK checks them.
 */
export async function listTools(
  host: ServerHost,
  tools: ReadonlyMap<string, RegisteredTaskTool>,
  request: IncomingRequest,
): Promise<Record<string, unknown>> {
  ListToolsRequestSchema.parse({ method: request.method, params: request.params });
  const previous = host.previous('tools/list');
  const base = previous ? ((await previous(request)) as ListToolsResult) : { tools: [] };
  if (base.nextCursor !== undefined) return base;
  return { ...base, tools: [...base.tools, ...[...tools.values()].map((tool) => tool.definition)] };
}
