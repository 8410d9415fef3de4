import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '../wire.js';
import { mapWorkError, unserializableResult } from './errorMapping.js';
import type { ErrorMapper } from './errorMapping.js';
import { errorShape } from '../errors.js';
import { limitExceeded } from '../errors.js';
import { jsonBytes } from './limits.js';
import type { TaskLimits } from './limits.js';
import type { TaskContext } from './TaskContext.js';

type Work = (task: TaskContext) => Promise<CallToolResult> | CallToolResult;

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

  /** Runs the work of a task: its outcome is stored, so it is size-checked as well as mapped. */
  async runTask(tool: string, task: TaskContext, work: Work): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = await work(this.capInputs(task));
    } catch (error) {
      throw this.fitted(mapWorkError(error, this.mapError, { tool, taskId: task.taskId }, this.logger), task.taskId);
    }
    return this.fitted(result, task.taskId);
  }

  /** Runs an `optional` tool inline: nothing is stored, only its throws are mapped. */
  async runInline(tool: string, task: TaskContext, work: Work): Promise<CallToolResult> {
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
  private capInputs(task: TaskContext): TaskContext {
    const max = this.limits.maxQueuedInputRequests;
    if (max === Infinity) return task;
    let waiting = 0;
    const capped = <T>(ask: () => Promise<T>): Promise<T> => {
      if (waiting >= max) {
        return Promise.reject(
          limitExceeded(`Too many input requests waiting in this task (maxQueuedInputRequests ${max})`, {
            limit: 'maxQueuedInputRequests',
            max,
            ...(task.taskId === undefined ? {} : { taskId: task.taskId }),
          }),
        );
      }
      waiting++;
      let asked: Promise<T>;
      try {
        asked = ask();
      } catch (error) {
        // A missing client capability throws synchronously: the slot was never used.
        waiting--;
        throw error;
      }
      return asked.finally(() => void waiting--);
    };
    // Everything else is read through the prototype, so members added to TaskContext keep working.
    return Object.assign(Object.create(task) as TaskContext, {
      elicit: (params: Parameters<TaskContext['elicit']>[0]) => capped(() => task.elicit(params)),
      createMessage: (params: Parameters<TaskContext['createMessage']>[0]) => capped(() => task.createMessage(params)),
    });
  }
}
