import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '../wire.js';
import { mapWorkError, unserializableResult } from './errorMapping.js';
import type { ErrorMapper } from './errorMapping.js';
import { errorShape } from '../errors.js';
import { limitExceeded } from '../errors.js';
import { jsonBytes } from './limits.js';
import type { TaskLimits } from './limits.js';
import type { WorkContext } from './workContext.js';

type Work = (task: WorkContext) => Promise<CallToolResult> | CallToolResult;

/**
 * What stands between a tool's work and its client: the work's throws go through `mapError`, a
 * task's outcome must fit `maxResultBytes`, and a task may wait for at most
 * `maxQueuedInputRequests` answers at once.
 * @internal
 */
export class WorkSafeguards {
  constructor(
    private readonly limits: Pick<Required<TaskLimits>, 'maxQueuedInputRequests' | 'maxResultBytes'>,
    private readonly mapError: ErrorMapper | undefined,
    private readonly logger: Pick<Console, 'error'>,
  ) {}

  /**
   * Runs the work of a task: its outcome is stored, so it is size-checked as well as mapped; then
   * `check` (the tool's output check: the library's, so not mapped). The check runs here rather
   * than after this resolves so that a waiting task holds one suspended call, not two (issue 14).
   */
  async runTask(tool: string, task: WorkContext, work: Work, check?: (result: CallToolResult) => CallToolResult): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = await work(this.capInputs(task));
    } catch (error) {
      throw this.fitted(mapWorkError(error, this.mapError, { tool, taskId: task.taskId }, this.logger), task.taskId);
    }
    const fitted = this.fitted(result, task.taskId);
    return check ? check(fitted) : fitted;
  }

  /** Runs an `optional` tool inline: nothing is stored, only its throws are mapped. */
  async runInline(tool: string, task: WorkContext, work: Work): Promise<CallToolResult> {
    try {
      return await work(task);
    } catch (error) {
      throw mapWorkError(error, this.mapError, { tool, taskId: undefined }, this.logger);
    }
  }

  /** The value itself if its stored form fits `maxResultBytes`, else the limit error to fail the task with. */
  private fitted<T>(value: T, taskId: string | undefined): T {
    const max = this.limits.maxResultBytes;
    if (max === Infinity) return value;
    let bytes: number;
    try {
      bytes = jsonBytes(value instanceof McpError ? errorShape(value) : value instanceof Error ? value.message : value);
    } catch (error) {
      throw unserializableResult(error);
    }
    if (bytes <= max) return value;
    throw limitExceeded(`Task result of ${bytes} bytes exceeds the limit of ${max} bytes (maxResultBytes)`, {
      limit: 'maxResultBytes',
      max,
      actual: bytes,
      ...(taskId === undefined ? {} : { taskId }),
    });
  }

  /** The task's context with `elicit`/`createMessage` refused beyond `maxQueuedInputRequests` waiting at once. */
  private capInputs(task: WorkContext): WorkContext {
    const max = this.limits.maxQueuedInputRequests;
    return max === Infinity ? task : task.capInputs(max);
  }
}
