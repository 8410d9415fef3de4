import type { SettleParams, TaskMachineEvent } from '../../machines/task.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorShape, invalidToolResult, outcomeOfThrow, UNREADABLE_ERROR } from '../errors.js';
import type { TaskOutcome } from '../types.js';
import { ErrorCode, McpError } from '../wire.js';
import { parseToolResult } from './parseToolResult.js';
import type { WorkSettle } from './TaskSpec.js';

/** The stored outcome of a cancelled task: -32603 naming the task and the reason. */
export function cancelledOutcome(taskId: string, reason: string): TaskOutcome {
  return {
    type: 'error',
    error: { code: ErrorCode.InternalError, message: `Task ${taskId} was cancelled: ${reason}`, data: { taskId, status: 'cancelled' } },
  };
}

/** The status message and stored outcome of a task actor's settle. */
export function describeSettle(taskId: string, params: SettleParams): { statusMessage?: string; outcome: TaskOutcome } {
  switch (params.status) {
    case 'completed':
      return { outcome: { type: 'result', result: params.output as CallToolResult } };
    case 'cancelled': {
      const reason = params.reason ?? 'Cancelled by the client';
      return { statusMessage: reason, outcome: cancelledOutcome(taskId, reason) };
    }
    case 'failed': {
      if ('shutdown' in params) {
        return {
          statusMessage: params.shutdown,
          outcome: { type: 'error', error: { code: ErrorCode.InternalError, message: params.shutdown } },
        };
      }
      // The work returned a result with `isError` (doneEvent): the result is the outcome.
      if (params.error instanceof ToolErrorResult) {
        return { statusMessage: params.error.message, outcome: { type: 'result', result: params.error.result } };
      }
      // Read in the task actor's `settle`: a throw here (a getter or Proxy on the error that throws
      // on a later read than the safeguards' one) crashed the actor instead of failing the task.
      try {
        const outcome = outcomeOfThrow(params.error);
        const statusMessage = params.error instanceof McpError ? errorShape(params.error).message : errorText(params.error);
        return { statusMessage, outcome };
      } catch {
        return {
          statusMessage: UNREADABLE_ERROR,
          outcome: { type: 'result', result: { content: [{ type: 'text', text: UNREADABLE_ERROR }], isError: true } },
        };
      }
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The event a work's result ends its task with: the spec's `settle` applied, then checked as a CallToolResult. */
export function doneEvent(settle: WorkSettle | undefined, result: CallToolResult, taskId: string): TaskMachineEvent {
  let settled: unknown = result;
  if (settle) {
    try {
      settled = settle.result(result, taskId);
    } catch (error) {
      return { type: 'work.error', error };
    }
  }
  let parsed: ReturnType<typeof parseToolResult>;
  try {
    parsed = parseToolResult(settled);
  } catch (error) {
    // A getter or Proxy in the result that throws on this later read: thrown here, in the work's
    // one `then` (WorkRunner), it was an unhandled rejection and the task stayed `working`.
    return { type: 'work.error', error };
  }
  if (!parsed.success) return { type: 'work.error', error: invalidToolResult(parsed.error) };
  // "For tool calls specifically, [failed] includes cases where the tool call result has `isError`
  // set to true" (MCP 2025-11-25, tasks): the task fails, and its result is still what tasks/result returns.
  if (parsed.data.isError === true) return { type: 'work.error', error: new ToolErrorResult(parsed.data) };
  return { type: 'work.done', output: parsed.data };
}

/** Longest status message taken from an error result's text. */
const MAX_STATUS_MESSAGE = 1_000;

/**
 * A work's end that is a CallToolResult with `isError: true`: the task fails with it as its outcome,
 * and the status message is its first text block (cut at 1,000 characters).
 * @internal
 */
export class ToolErrorResult extends Error {
  constructor(readonly result: CallToolResult) {
    const text = result.content.find((block) => block.type === 'text')?.text;
    super(
      text === undefined || text === ''
        ? 'The tool returned an error result'
        : text.length > MAX_STATUS_MESSAGE
          ? `${text.slice(0, MAX_STATUS_MESSAGE)}…`
          : text,
    );
    this.name = 'ToolErrorResult';
  }
}

/** What a task fails with when its work threw: the spec's `settle` applied (a throw there is what it fails with). */
export function settledError(settle: WorkSettle | undefined, error: unknown, taskId: string): unknown {
  if (!settle) return error;
  try {
    return settle.error(error, taskId);
  } catch (thrown) {
    return thrown;
  }
}
