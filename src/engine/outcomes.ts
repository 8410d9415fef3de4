import type { SettleParams } from '../../machines/task.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorShape, outcomeOfThrow } from '../errors.js';
import type { TaskOutcome } from '../types.js';
import { ErrorCode, McpError } from '../wire.js';

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
      const outcome = outcomeOfThrow(params.error);
      const statusMessage = params.error instanceof McpError ? errorShape(params.error).message : errorText(params.error);
      return { statusMessage, outcome };
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
