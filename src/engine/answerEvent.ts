import type { TaskMachineEvent } from '../../machines/task.js';
import { mcpError } from '../errors.js';
import type { Answer } from '../types.js';

/** The task actor's event for the client's answer to `requestId`: its result, or its error as an McpError. */
export function answerEvent(requestId: string, answer: Answer): TaskMachineEvent {
  return 'result' in answer
    ? { type: 'input.response', requestId, result: answer.result }
    : { type: 'input.error', requestId, error: mcpError(answer.error.code, answer.error.message, answer.error.data) };
}
