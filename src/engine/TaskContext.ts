import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  LoggingLevel,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * What a tool's work function gets besides its arguments: the running task's handle.
 *
 * @example
 * ```ts
 * tasks.registerTool(server, 'deploy', { taskSupport: 'required', inputSchema: { env: z.string() } },
 *   async ({ env }, task) => {
 *     await task.status(`checking ${env}`);
 *     const answer = await task.elicit({ message: `Deploy ${env}?`, requestedSchema: {
 *       type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] } });
 *     return { content: [{ type: 'text', text: answer.action }] };
 *   });
 * ```
 */
export interface TaskContext {
  /** The task's id, or undefined when an `optional` tool runs inline (called without `task`). */
  readonly taskId: string | undefined;
  /**
   * The JSON-RPC id of the `tools/call` that started the work (the SDK's `extra.requestId`); absent
   * only when another instance re-ran a `restartable` task after its own instance died.
   */
  readonly requestId?: RequestId;
  /** The transport's session id of that call (Streamable HTTP), as the SDK's `extra.sessionId`. */
  readonly sessionId?: string;
  /** The validated access token's info of that call, if the transport had one (`extra.authInfo`). */
  readonly authInfo?: AuthInfo;
  /** The `_meta` of that call's params as sent (progress token, client capabilities …), as `extra._meta`. */
  readonly _meta?: Record<string, unknown>;
  /** Aborts on `tasks/cancel`, ttl expiry and shutdown (inline: when the call is cancelled or `TaskSupport.close` runs). */
  readonly signal: AbortSignal;
  /** Sets the task's `statusMessage` and sends `notifications/tasks/status`; resolves once stored. */
  status(message: string): Promise<void>;
  /**
   * Asks the client for input (form or URL mode). The task is `input_required` until the answer
   * arrives, then `working` again. Rejects when the client lacks the capability, answers with an
   * error, or the task ends first (cancelled, expired, shut down, or the work returned without
   * it; inline: the call returned, was cancelled or lost its connection). That last rejection is
   * marked handled: a work that dropped the promise does not get an unhandled rejection for it.
   */
  elicit(params: ElicitRequestFormParams | ElicitRequestURLParams): Promise<ElicitResult>;
  /** Asks the client for an LLM completion (`sampling/createMessage`), like {@link TaskContext.elicit}. */
  createMessage(params: CreateMessageRequestParams): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /**
   * Like {@link TaskContext.elicit}, as a task the *client* runs (MCP 2025-11-25 task-augmented
   * request): the client answers with a CreateTaskResult, an actor of `machines/clientTask.ts`
   * follows that task (status notifications, `tasks/get` at its `pollInterval`, `tasks/result`), and
   * this resolves with the client's ElicitResult. While it runs, the server task is `input_required`.
   * Aborting `signal` (cancel, expiry, shutdown) sends `tasks/cancel` to the client. A client that
   * did not declare `tasks.requests.elicitation.create` gets a plain `elicit` (`fallback: 'plain'`,
   * the default) or the call rejects with {@link MissingClientCapabilityError} (`fallback: 'refuse'`).
   */
  elicitAsTask(params: ElicitRequestFormParams | ElicitRequestURLParams, options?: ClientTaskOptions): Promise<ElicitResult>;
  /** {@link TaskContext.createMessage} as a client-side task, like {@link TaskContext.elicitAsTask} (`tasks.requests.sampling.createMessage`). */
  createMessageAsTask(
    params: CreateMessageRequestParams,
    options?: ClientTaskOptions,
  ): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /** Sends a `notifications/message` log entry related to the task. */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends `notifications/progress` on the original call's `progressToken` (no-op without one). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** Options of {@link TaskContext.elicitAsTask} and {@link TaskContext.createMessageAsTask}. */
export interface ClientTaskOptions {
  /** The ttl asked of the client's task (ms); the client decides what it grants. */
  ttl?: number;
  /** When the client cannot run the request as a task: `'plain'` (default) sends it as a plain request, `'refuse'` rejects. */
  fallback?: 'plain' | 'refuse';
}

/**
 * Thrown by `elicit`/`createMessage` when the client did not declare the needed capability, or its
 * capabilities are unknown (no `initialize` on its connection: stateless HTTP), `message` saying so.
 */
export class MissingClientCapabilityError extends Error {
  constructor(
    readonly capability: string,
    message = `The client did not declare the '${capability}' capability`,
  ) {
    super(message);
    this.name = 'MissingClientCapabilityError';
  }
}
