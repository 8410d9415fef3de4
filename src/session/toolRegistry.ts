import { z } from 'zod';
import type { ZodRawShape } from 'zod';
import type { CallToolResult, ListToolsResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ListToolsRequestSchema } from '../wire.js';
import type { IncomingRequest, OutputIssue, ServerHost } from './ServerHost.js';
import { describeZodError } from '../zodIssues.js';
import type { TaskContext } from '../engine/TaskContext.js';

/** How a tool takes part in tasks (the spec's `execution.taskSupport`, minus `forbidden`). */
export type TaskSupportMode = 'required' | 'optional';

/** Describes a task tool, like `McpServer.registerTool`'s config plus `taskSupport`. */
export interface TaskToolConfig<Shape extends ZodRawShape> {
  title?: string;
  description?: string;
  /** Zod shape of the arguments; validated before any task is created. */
  inputSchema?: Shape;
  /**
   * Zod shape of the result's `structuredContent`, listed as the tool's `outputSchema`. A result
   * (inline or a task's) that is not `isError` must carry a matching `structuredContent`, else the
   * caller gets the `isError` result the SDK's `McpServer` gives ("Output validation error: …").
   */
  outputSchema?: ZodRawShape;
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

/** What {@link RegisteredTaskTool.update} may change; the keys of the SDK's `RegisteredTool.update`, plus `taskSupport`. */
export interface TaskToolUpdate<Shape extends ZodRawShape> {
  /** A new name; `null` removes the tool. */
  name?: string | null;
  title?: string;
  description?: string;
  paramsSchema?: Shape;
  outputSchema?: ZodRawShape;
  callback?: TaskToolWork<Shape>;
  annotations?: ToolAnnotations;
  _meta?: Record<string, unknown>;
  enabled?: boolean;
  taskSupport?: TaskSupportMode;
}

/**
 * The handle `TaskSupport.registerTool` returns, like the SDK's `RegisteredTool`: each change is
 * seen by the next `tools/list` and `tools/call` and announced with `notifications/tools/list_changed`.
 * Tasks already running are not touched.
 */
export interface RegisteredTaskTool<Shape extends ZodRawShape = ZodRawShape> {
  readonly title: string | undefined;
  readonly description: string | undefined;
  readonly annotations: ToolAnnotations | undefined;
  readonly _meta: Record<string, unknown> | undefined;
  readonly taskSupport: TaskSupportMode;
  /** Listed and callable; a disabled tool is neither (a call answers -32602 "Tool … disabled"). */
  readonly enabled: boolean;
  enable(): void;
  disable(): void;
  /** Unregisters the tool (its name becomes free again). */
  remove(): void;
  update(updates: TaskToolUpdate<Shape>): void;
}

/** A task tool as registered on one server, with its current definition. @internal */
export interface TaskToolEntry {
  readonly name: string;
  readonly definition: Tool;
  readonly taskSupport: TaskSupportMode;
  readonly restartable: boolean;
  readonly enabled: boolean;
  parse(args: unknown): { success: true; data: unknown } | { success: false; message: string };
  /**
   * The work as registered now, alone: what a task keeps, where it kept the whole entry (its
   * schemas and definition, several KB per session when each session registers its own tools)
   * for as long as it ran, its session long gone.
   */
  readonly work: TaskToolRun;
  /**
   * The issues of `result` against the output schema, as the SDK's `validateToolOutput` finds them:
   * none without a schema or for an `isError` result; `undefined` issues: no `structuredContent`.
   * Made again at each change of the definition, closing over the output schema alone (see `work`).
   */
  readonly outputIssues: OutputCheck;
}

/** A task tool's work, its arguments already parsed. @internal */
export type TaskToolRun = (args: unknown, task: TaskContext) => Promise<CallToolResult> | CallToolResult;

/** A task tool's output check (see {@link TaskToolEntry.outputIssues}). @internal */
export type OutputCheck = (result: CallToolResult) => { issues: readonly OutputIssue[] | undefined } | undefined;

/** The check of a tool without an output schema. */
const NO_OUTPUT_CHECK: OutputCheck = () => undefined;

/** The output check of `outputObject`, closing over nothing else. */
function outputCheckOf(outputObject: z.ZodObject | undefined): OutputCheck {
  if (!outputObject) return NO_OUTPUT_CHECK;
  return (result) => {
    if (result.isError) return undefined;
    if (result.structuredContent === undefined) return { issues: undefined };
    const parsed = outputObject.safeParse(result.structuredContent);
    return parsed.success ? undefined : { issues: parsed.error.issues };
  };
}

/** A task tool's entry, changed in place by its handle. @internal */
export class TaskToolDefinition implements TaskToolEntry {
  definition!: Tool;
  enabled = true;
  taskSupport: TaskSupportMode;
  readonly restartable: boolean;
  private config: Omit<TaskToolConfig<ZodRawShape>, 'taskSupport' | 'restartable'>;
  private inputObject!: z.ZodObject;
  outputIssues: OutputCheck = NO_OUTPUT_CHECK;

  constructor(
    public name: string,
    config: TaskToolConfig<ZodRawShape>,
    private callback: TaskToolWork<ZodRawShape>,
  ) {
    const { taskSupport, restartable, ...rest } = config;
    this.taskSupport = taskSupport;
    this.restartable = restartable ?? false;
    this.config = rest;
    this.rebuild();
  }

  /** Applies an update (everything but `name` and `enabled`, which the handle owns). */
  change(updates: TaskToolUpdate<ZodRawShape>): void {
    const { name: _name, enabled: _enabled, paramsSchema, callback, taskSupport, ...rest } = updates;
    if (paramsSchema !== undefined) this.config.inputSchema = paramsSchema;
    if (callback !== undefined) this.callback = callback;
    if (taskSupport !== undefined) this.taskSupport = taskSupport;
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) (this.config as Record<string, unknown>)[key] = value;
    }
    this.rebuild();
  }

  get title(): string | undefined {
    return this.config.title;
  }
  get description(): string | undefined {
    return this.config.description;
  }
  get annotations(): ToolAnnotations | undefined {
    return this.config.annotations;
  }
  get meta(): Record<string, unknown> | undefined {
    return this.config._meta;
  }

  parse(args: unknown): { success: true; data: unknown } | { success: false; message: string } {
    const parsed = this.inputObject.safeParse(args ?? {});
    if (parsed.success) return { success: true, data: parsed.data };
    return { success: false, message: describeZodError(parsed.error) };
  }

  get work(): TaskToolRun {
    // Its arguments are what `parse` returned for this very schema.
    return this.callback as unknown as TaskToolRun;
  }

  /** The `tools/list` entry, recomputed on every change (as the SDK recomputes it per list). */
  rebuild(): void {
    const { title, description, inputSchema, outputSchema, annotations, _meta } = this.config;
    this.inputObject = z.object(inputSchema ?? {});
    const outputObject = outputSchema === undefined ? undefined : z.object(outputSchema);
    this.outputIssues = outputCheckOf(outputObject);
    const definition: Tool = {
      name: this.name,
      inputSchema: jsonSchemaOf(this.inputObject, 'input') as Tool['inputSchema'],
      execution: { taskSupport: this.taskSupport },
    };
    if (title !== undefined) definition.title = title;
    if (description !== undefined) definition.description = description;
    if (outputObject) definition.outputSchema = jsonSchemaOf(outputObject, 'output') as Tool['outputSchema'];
    if (annotations !== undefined) definition.annotations = annotations;
    if (_meta !== undefined) definition._meta = _meta;
    this.definition = definition;
  }
}

function jsonSchemaOf(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return json;
}

/**
 * `tools/list`: the server's own tools (McpServer's), then the enabled task tools on the last page
 * only, so a paginating server keeps its cursors. Params are checked as the SDK checks them.
 */
export async function listTools(
  host: ServerHost,
  tools: ReadonlyMap<string, TaskToolEntry>,
  request: IncomingRequest,
): Promise<Record<string, unknown>> {
  ListToolsRequestSchema.parse({ method: request.method, params: request.params });
  const previous = host.previous('tools/list');
  const base = previous ? ((await previous(request)) as ListToolsResult) : { tools: [] };
  if (base.nextCursor !== undefined) return base;
  const listed = [...tools.values()].filter((tool) => tool.enabled).map((tool) => tool.definition);
  return { ...base, tools: [...base.tools, ...listed] };
}
