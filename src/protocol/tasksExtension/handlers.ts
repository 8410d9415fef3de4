import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { answerSchemaFor } from '../../engine/answers.js';
import { mcpError } from '../../errors.js';
import { describeZodError } from '../../zodIssues.js';
import type { MethodHandler, ProtocolHandlers, RequestScope } from '../../session/dispatch.js';
import { parseParams, taskIdParams } from '../../session/params.js';
import type { TaskEngine } from '../../engine/TaskEngine.js';
import { isTerminal } from '../../types.js';
import type { TaskRecord } from '../../types.js';
import { ErrorCode, McpError } from '../../wire.js';
import type { ProtocolDeps } from '../ProtocolDeps.js';
import { detailedTask, missingTasksExtension, notInExtension } from './shapes.js';
import { callTool } from './toolCall.js';
import { deliverAnswer } from './deliverAnswer.js';
import { TASKS_EXTENSION_ID, UpdateTaskParamsSchema } from './wire.js';
import { merged } from '../../merged.js';

/**
 * The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) for 2026-style requests:
 * `tools/call`, `tasks/get`, `tasks/update` and `tasks/cancel` over the same engine as 2025-11-25;
 * `tasks/result` and `tasks/list` are not part of it (-32601).
 */
export function extensionHandlers(deps: ProtocolDeps): ProtocolHandlers {
  const refuse =
    (method: string): MethodHandler =>
    async () => {
      throw notInExtension(method);
    };
  return {
    'tools/call': (scope) => callTool(deps, scope),
    'tasks/get': (scope) => getTask(deps, scope),
    'tasks/update': (scope) => updateTask(deps, scope),
    'tasks/cancel': (scope) => cancelTask(deps, scope),
    'tasks/result': refuse('tasks/result'),
    'tasks/list': refuse('tasks/list'),
  };
}

/** `tasks/get`: the DetailedTask (status, input requests, result or error). */
export async function getTask(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const { taskId } = extensionParams(scope, 'tasks/get', taskIdParams);
  const record = await deps.engine.get(taskId, scope.owner);
  return merged(await detailedTaskOf(deps.engine, record), { resultType: 'complete' });
}

/** The DetailedTask of `record` now: its outstanding input requests, or its result or error. */
export async function detailedTaskOf(engine: TaskEngine, record: TaskRecord): Promise<Record<string, unknown>> {
  const details =
    record.status === 'input_required'
      ? { requests: await engine.storage.outstanding(record.taskId) }
      : record.status === 'completed' || record.status === 'failed'
        ? { outcome: await engine.storage.outcome(record.taskId) }
        : {};
  return detailedTask(record, details);
}

/**
 * `tasks/update`: the client's answers to the task's outstanding requests, all checked before any is
 * delivered; acknowledged once the instance running the task has them all, or none will (-32603 when
 * Redis was away past the forward's retries and the request is still outstanding: deliverAnswer.ts).
 */
export async function updateTask(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const params = extensionParams(scope, 'tasks/update', UpdateTaskParamsSchema);
  const { engine } = deps;
  // An ended task has no outstanding request (its tasks/get lists none), so every key is ignored,
  // as the spec says of keys not outstanding. Its queue may still hold a leftover one (a process
  // that died between storing the end and clearing the queue): checked against it, a bad answer
  // got -32602 for a task that ended, and a good one went to a run that is no more.
  const record = await engine.get(params.taskId, scope.owner);
  if (isTerminal(record.status)) return { resultType: 'complete' };
  const outstanding = new Map((await engine.storage.outstanding(params.taskId)).map((r) => [r.requestId, r]));
  const answers = Object.entries(params.inputResponses).filter(([key]) => outstanding.has(key));
  // All answers are checked before any is delivered, so a bad one leaves the task as it was.
  for (const [key, answer] of answers) {
    const problem = invalidAnswer(outstanding.get(key)!.message, answer);
    if (problem) throw mcpError(ErrorCode.InvalidParams, `Invalid inputResponses["${key}"]: ${problem}`);
  }
  // Acknowledged once the task's instance has every answer: an ack before that lost an answer
  // whose forward never landed, with the client already done with its key (deliverAnswer.ts).
  await Promise.all(answers.map(([key, answer]) => deliverAnswer(engine, params.taskId, key, { result: answer })));
  return { resultType: 'complete' };
}

/** `tasks/cancel`: an ack (cancellation is cooperative); -32602 for a task the caller cannot see. */
export async function cancelTask(deps: ProtocolDeps, scope: RequestScope): Promise<Record<string, unknown>> {
  const { taskId } = extensionParams(scope, 'tasks/cancel', taskIdParams);
  const { engine } = deps;
  const record = await engine.get(taskId, scope.owner);
  if (!isTerminal(record.status)) {
    try {
      await engine.cancel(taskId, scope.owner);
    } catch (error) {
      // Settled meanwhile: still an ack. Gone meanwhile: -32602.
      await engine.get(taskId, scope.owner);
      if (!(error instanceof McpError && error.code === ErrorCode.InvalidParams)) throw error;
    }
  }
  return { resultType: 'complete' };
}

/** The request's params for an extension method; -32021 unless the request declared the extension. */
function extensionParams<P extends Parameters<typeof parseParams>[1]>(scope: RequestScope, method: string, schema: P) {
  if (scope.route.protocol !== 'tasksExtension' || !scope.route.declared) {
    throw missingTasksExtension(`${method} needs the ${TASKS_EXTENSION_ID} extension`);
  }
  return parseParams(method, schema, scope.request.params) as import('zod').output<P>;
}

/** Why `answer` cannot answer `request` (undefined when it can). */
function invalidAnswer(request: JSONRPCRequest, answer: Record<string, unknown>): string | undefined {
  const schema = answerSchemaFor(request);
  if (!schema) return undefined;
  const parsed = schema.safeParse(answer);
  return parsed.success ? undefined : describeZodError(parsed.error);
}
