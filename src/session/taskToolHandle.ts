import type { ZodRawShape } from 'zod';
import type { RegisteredTaskTool, TaskToolDefinition, TaskToolUpdate } from './toolRegistry.js';

/** What a handle changes besides its tool: the server's registry, and who hears of a change. @internal */
export interface TaskToolRegistry {
  readonly tools: Map<string, TaskToolDefinition>;
  /** Throws the SDK's duplicate error when `name` is taken on the server (by a task tool or its own API). */
  assertFree(name: string): void;
  /** The tool left the server (`null`) or changed its name. */
  renamed(tool: TaskToolDefinition, from: string, to: string | null): void;
  /** Sends `notifications/tools/list_changed` when the server is connected. */
  listChanged(): void;
}

/**
 * The handle of a registered task tool. Each change takes effect at once for `tools/list` and
 * `tools/call` of that server and is announced once, as the SDK's `RegisteredTool.update` does.
 * After `remove`, the handle changes nothing.
 * @internal
 */
export function taskToolHandle<Shape extends ZodRawShape>(tool: TaskToolDefinition, registry: TaskToolRegistry): RegisteredTaskTool<Shape> {
  const registered = (): boolean => registry.tools.get(tool.name) === tool;
  const update = (updates: TaskToolUpdate<Shape>): void => {
    if (!registered()) throw new Error(`Task tool ${tool.name} was removed`);
    // Checked before anything changes: a refused rename leaves the tool as it was.
    if (typeof updates.name === 'string' && updates.name !== tool.name) registry.assertFree(updates.name);
    tool.change(updates as TaskToolUpdate<ZodRawShape>);
    if (updates.enabled !== undefined) tool.enabled = updates.enabled;
    if (updates.name !== undefined && updates.name !== tool.name) {
      const from = tool.name;
      registry.tools.delete(from);
      if (updates.name !== null) {
        tool.name = updates.name;
        tool.rebuild();
        registry.tools.set(tool.name, tool);
      }
      registry.renamed(tool, from, updates.name);
    }
    registry.listChanged();
  };
  return {
    get title() {
      return tool.title;
    },
    get description() {
      return tool.description;
    },
    get annotations() {
      return tool.annotations;
    },
    get _meta() {
      return tool.meta;
    },
    get taskSupport() {
      return tool.taskSupport;
    },
    get enabled() {
      return tool.enabled;
    },
    enable: () => update({ enabled: true }),
    disable: () => update({ enabled: false }),
    remove: () => update({ name: null }),
    update,
  };
}
