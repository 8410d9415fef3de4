import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '../wire.js';
import { mapWorkError, unserializableResult } from './errorMapping.js';
import type { ErrorMapper } from './errorMapping.js';
import { errorShape } from '../errors.js';
import { limitExceeded } from '../errors.js';
import { jsonBytes, textResultBytesAtMost } from './limits.js';
import type { TaskLimits } from './limits.js';
import type { RunContext } from './TaskSpec.js';
import { InlineRuns } from './InlineRuns.js';
import type { WorkContext } from './workContext.js';

type Work = (task: RunContext) => Promise<CallToolResult> | CallToolResult;

/**
 * What stands between a tool's work and its client: the work's throws go through `mapError`, a
 * task's outcome must fit `maxResultBytes`, and a task may wait for at most
 * `maxQueuedInputRequests` answers at once.
 * @internal
 */
export class WorkSafeguards {
  /** The inline runs in flight, which `TaskSupport.close` ends. */
  readonly inline = new InlineRuns();

  constructor(
    private readonly limits: Pick<Required<TaskLimits>, 'maxQueuedInputRequests' | 'maxResultBytes'>,
    private readonly mapError: ErrorMapper | undefined,
    private readonly logger: Pick<Console, 'error'>,
  ) {}

  /**
   * Runs the work of a task: its outcome is stored, so it is size-checked as well as mapped; then
   * `check` (the tool's output check: the library's, so not mapped). Not async, and the check
   * runs here: a suspended async call per waiting task cost about 0.5 KB more than one `then`
   * (bench/heapProfile.ts, issue 14).
   */
  runTask(tool: string, task: RunContext, work: Work, check?: (result: CallToolResult) => CallToolResult): Promise<CallToolResult> {
    const taskId = task.taskId;
    let returned: Promise<CallToolResult> | CallToolResult;
    try {
      returned = work(this.capInputs(task));
    } catch (error) {
      return Promise.reject(this.failure(error, tool, taskId));
    }
    return Promise.resolve(returned).then(
      (result) => {
        const fitted = this.fitted(result, taskId);
        return check ? check(fitted) : fitted;
      },
      (error: unknown) => {
        throw this.failure(error, tool, taskId);
      },
    );
  }

  /**
   * What a task fails with when its work threw `error`: mapped, then size-checked. With
   * {@link capInputs} and {@link fitted}, the pieces of {@link runTask} for a work whose end the
   * engine settles itself (TaskSpec's `settle`, one `then` per task instead of two).
   */
  failure(error: unknown, tool: string, taskId: string | undefined): unknown {
    try {
      return this.fitted(mapWorkError(error, this.mapError, { tool, taskId }, this.logger), taskId);
    } catch (tooLarge) {
      return tooLarge;
    }
  }

  /**
   * Runs an `optional` tool inline: nothing is stored, so nothing is measured and only its throws
   * are mapped; but its result, or the error it threw, must go out as JSON. One that cannot (a
   * cycle, a BigInt, an McpError's such `data`) made the SDK's send throw, which it only logs: the
   * call was never answered.
   */
  runInline(tool: string, task: RunContext & Pick<WorkContext, 'inlineCall'>, work: Work): Promise<CallToolResult> {
    // Ended by TaskSupport.close, answered with the shutdown error: not the work's, so not mapped.
    return this.inline.run(tool, task.inlineCall, () => this.mappedInline(tool, task, work));
  }

  /**
   * Rejects with the shutdown error of an inline call of `tool` once `TaskSupport.close` begins,
   * until `until` aborts: a branch of a race that `until` ends (InlineRuns.shutdown).
   */
  inlineShutdown(tool: string, until: AbortSignal): Promise<never> {
    return this.inline.shutdown(tool, until);
  }

  private async mappedInline(tool: string, task: RunContext, work: Work): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = await work(task);
    } catch (error) {
      const mapped = mapWorkError(error, this.mapError, { tool, taskId: undefined }, this.logger);
      storedBytes(mapped);
      throw mapped;
    }
    if (textResultBytesAtMost(result) === undefined) storedBytes(result);
    return result;
  }

  /**
   * The value itself if its stored form is JSON and fits `maxResultBytes`, else the error to fail
   * the task with. Checked as JSON with no limit too (`Infinity`): such a result was stored as it
   * was, and every `tasks/result` of the task then went unanswered (the SDK's send threw).
   */
  fitted<T>(value: T, taskId: string | undefined): T {
    const max = this.limits.maxResultBytes;
    const bound = textResultBytesAtMost(value);
    if (bound !== undefined && bound <= max) return value;
    const bytes = storedBytes(value);
    if (bytes <= max) return value;
    throw limitExceeded(`Task result of ${bytes} bytes exceeds the limit of ${max} bytes (maxResultBytes)`, {
      limit: 'maxResultBytes',
      max,
      actual: bytes,
      ...(taskId === undefined ? {} : { taskId }),
    });
  }

  /** The task's context with `elicit`/`createMessage` refused beyond `maxQueuedInputRequests` waiting at once. */
  capInputs(task: RunContext): RunContext {
    const max = this.limits.maxQueuedInputRequests;
    return max === Infinity ? task : task.capInputs(max);
  }
}

/** Bytes of a work's result or error as stored and sent (an error by its JSON-RPC shape or message); -32603 when it is no JSON. */
function storedBytes(value: unknown): number {
  let thrown = false;
  try {
    if (value instanceof McpError) {
      thrown = true;
      return jsonBytes(errorShape(value));
    }
    if (value instanceof Error) {
      thrown = true;
      return jsonBytes(value.message);
    }
    return jsonBytes(value);
  } catch (error) {
    throw unserializableResult(error, thrown);
  }
}
