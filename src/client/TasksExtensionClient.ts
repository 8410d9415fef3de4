import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolRequest, CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  CLIENT_CAPABILITIES_META_KEY,
  ExtensionDetailedTaskSchema,
  ExtensionTaskSchema,
  TASKS_EXTENSION_ID,
} from '../protocol/tasksExtension/wire.js';
import type { ExtensionDetailedTask, ExtensionTask, InputRequest, InputResponses } from '../protocol/tasksExtension/wire.js';
import { followablePollInterval } from '../timerBounds.js';
import { checkRequestTimeout, checkedClientOptions, type CheckedClientOptions } from './checkedClientOptions.js';
import { connectionClosedError, watchConnection } from './connectionWatch.js';
import { invalidServerAnswer, parseServerAnswer } from './invalidAnswer.js';
import { isZodError } from '../zodIssues.js';
import { pause } from './pause.js';
import { followSignals } from '../followSignals.js';
import { retryAfterOf } from './rateLimited.js';
import { toolCallAnswerSchema, withoutResultType } from './toolCallAnswer.js';
import type { ToolCallAnswer } from './toolCallAnswer.js';
import type { SdkV2Client } from './SdkV2Client.js';
import type { ExtensionCallOptions, InputRequestContext, TasksExtensionClientOptions } from './TasksExtensionClientOptions.js';

/** What the helper uses of an SDK client: `request` with a result schema (SDK v1 and v2 alike). */
interface Requester {
  request(
    request: { method: string; params?: Record<string, unknown> },
    resultSchema: z.ZodType,
    options?: RequestOptions,
  ): Promise<unknown>;
}

/**
 * A client of the MCP tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) over an SDK v1
 * `Client`, which has none. It is kept for what the MCP project's requester
 * (`@modelcontextprotocol/ext-tasks/client`) cannot do: run on an SDK v1 `Client`, and speak the
 * extension on a 2025-11-25 session (per-request capabilities), which ext-tasks uses only in the
 * 2026-07-28 era. On an SDK v2 `Client` use ext-tasks.
 *
 * `callTool` declares the extension on the request, and when the server answers with a task it
 * polls `tasks/get` (honouring `pollIntervalMs`), answers `inputRequests` through `onElicitation` /
 * `onSampling` with `tasks/update`, and resolves with the final `CallToolResult` — the same
 * contract as a plain `tools/call`.
 *
 * A request the server's rate limit refuses (-32029 with `data.retryAfterMs`, as this library's
 * servers answer) is sent again after that wait instead of ending the call: a poll, the
 * `tasks/update` carrying an answer, and (within its 5 s) the `tasks/cancel` of a call given up.
 *
 * When the client's connection closes (`client.close()`, or the transport closes), every pending
 * call rejects at once with `McpError` -32000 ("Connection closed", `data.taskId` the task it
 * followed, which may still run on the server), and so does every call made while it has none.
 *
 * @example
 * ```ts
 * const tasks = new TasksExtensionClient(client, {
 *   onElicitation: async (params) => ({ action: 'accept', content: { approved: true } }),
 * });
 * const result = await tasks.callTool({ name: 'deploy', arguments: { env: 'prod' } });
 * ```
 */
export class TasksExtensionClient {
  /** The per-request client capabilities this client sends (always including the extension). */
  readonly capabilities: ClientCapabilities;
  private readonly checked: CheckedClientOptions;

  private readonly requester: Requester;

  /** `client`: an SDK v1 `Client`, or (deprecated, see `rawToolCall`) an SDK v2 `Client` with `rawToolCall`. */
  constructor(
    readonly client: Client | SdkV2Client,
    private readonly options: TasksExtensionClientOptions = {},
  ) {
    // Both lines' `request(request, schema, options)` have this shape; their overloads differ in typing only.
    this.requester = client as unknown as Requester;
    const declared: ClientCapabilities = options.capabilities ?? {
      ...(options.onElicitation ? { elicitation: { form: {} } } : {}),
      ...(options.onSampling ? { sampling: {} } : {}),
    };
    this.capabilities = { ...declared, extensions: { ...declared.extensions, [TASKS_EXTENSION_ID]: {} } };
    this.checked = checkedClientOptions(options);
  }

  /** The `_meta` entries that declare this client's per-request capabilities. */
  meta(): Record<string, unknown> {
    return { [CLIENT_CAPABILITIES_META_KEY]: this.capabilities };
  }

  /**
   * Calls a tool and resolves with its `CallToolResult`, whether the server answers inline or with
   * a task. A task that fails rejects with its JSON-RPC error (`McpError`); a cancelled task rejects
   * with -32603 and `data: { taskId, status: 'cancelled' }`.
   */
  async callTool(params: CallToolRequest['params'], options: ExtensionCallOptions = {}): Promise<CallToolResult> {
    // Checked before a `rawToolCall` too, which does not go through the client: a task created now
    // could be neither followed nor cancelled.
    if (!this.client.transport) throw connectionClosedError();
    const request = { method: 'tools/call', params: { ...params, _meta: { ...params._meta, ...this.meta() } } };
    const answer = await this.sendToolCall(request, options);
    if (answer.resultType === 'task') {
      const parsed = ExtensionTaskSchema.safeParse(answer);
      if (!parsed.success) {
        // The server may have made the task all the same: one nobody follows must not run on.
        const taskId = answer['taskId'];
        if (typeof taskId === 'string') await this.cancelOnGiveUp(taskId, options);
        throw invalidServerAnswer('tools/call (a CreateTaskResult)', parsed.error, taskId);
      }
      const task = parsed.data as ExtensionTask;
      try {
        options.onTaskCreated?.(task);
      } catch (error) {
        // The caller gets this error, not the result: nobody would wait for the task.
        await this.cancelOnGiveUp(task.taskId, options);
        throw error;
      }
      return this.waitForTask(task, options);
    }
    if (answer.resultType !== undefined && answer.resultType !== 'complete') {
      throw new McpError(ErrorCode.InternalError, `Unsupported resultType ${JSON.stringify(answer.resultType)} for tools/call`);
    }
    return withoutResultType(parseServerAnswer(CallToolResultSchema, answer, 'tools/call', undefined));
  }

  /** The `tools/call` itself: its answer, any object; one that is no object is one readable -32603. */
  private async sendToolCall(request: { method: string; params: Record<string, unknown> }, options: ExtensionCallOptions) {
    try {
      return this.options.rawToolCall
        ? parseServerAnswer(toolCallAnswerSchema, await this.options.rawToolCall(request.params, options.signal), 'tools/call', undefined)
        : ((await this.send(request, toolCallAnswerSchema, options)) as ToolCallAnswer);
    } catch (error) {
      throw isZodError(error) ? invalidServerAnswer('tools/call', error, undefined) : error;
    }
  }

  /**
   * Polls a task until it is terminal, answering its input requests on the way; resolves with its
   * result. Use it to resume a task whose id was persisted.
   */
  async waitForTask(
    task: Pick<ExtensionTask, 'taskId' | 'status' | 'pollIntervalMs'>,
    options: ExtensionCallOptions = {},
  ): Promise<CallToolResult> {
    checkRequestTimeout(options.requestTimeout);
    const { taskId } = task;
    // Aborts when the connection closes: the pause until the next poll ends then, not a poll interval later.
    const closed = new AbortController();
    const unwatch = watchConnection(this.client, () => closed.abort(connectionClosedError(taskId)));
    if (!unwatch) throw connectionClosedError(taskId);
    const done = new AbortController();
    const asked = new Set<string>();
    const maxInputs = this.checked.maxConcurrentInputs;
    let answering = 0;
    let interval = followablePollInterval(task.pollIntervalMs, this.checked.defaultPollIntervalMs);
    let handlerFailure: { error: unknown } | undefined;
    let wake = (): void => {};
    let terminal = false;
    try {
      // The CreateTaskResult carries no inputRequests: fetch them at once if it already asks.
      let wait = task.status === 'input_required' ? 0 : interval;
      for (;;) {
        await pause(wait, [options.signal, closed.signal], (w) => (wake = w));
        let current: ExtensionDetailedTask;
        try {
          current = await this.fetchTask(taskId, options, closed.signal);
        } catch (error) {
          // "Not now, in N ms" from the server's rate limit: poll again then, not give the task up
          // (the tasks/cancel that giving up sends would be refused as well).
          const retry = retryAfterOf(error);
          if (retry === undefined) throw error;
          wait = Math.max(retry, interval);
          continue;
        }
        // Another task's answer (a broken server or proxy) must not end this call with its result.
        if (current.taskId !== taskId) {
          throw new McpError(ErrorCode.InternalError, `tasks/get for task ${taskId} answered task ${JSON.stringify(current.taskId)}`);
        }
        options.onTaskStatus?.(current);
        interval = followablePollInterval(current.pollIntervalMs, interval);
        wait = interval;
        switch (current.status) {
          case 'completed':
            terminal = true;
            return parseServerAnswer(CallToolResultSchema, current.result, `tasks/get of task ${taskId} (its result)`, taskId);
          case 'failed':
            terminal = true;
            throw new McpError(current.error.code, current.error.message, current.error.data);
          case 'cancelled':
            terminal = true;
            throw new McpError(
              ErrorCode.InternalError,
              `Task ${taskId} was cancelled${current.statusMessage ? `: ${current.statusMessage}` : ''}`,
              { taskId, status: 'cancelled' },
            );
          case 'input_required':
          case 'working':
            break;
        }
        // A failed handler ends the call, after one more look: a task that ended without that answer
        // (the server gave up asking) ends the call with its own outcome, above.
        if (handlerFailure) throw handlerFailure.error;
        if (current.status !== 'input_required') continue;
        for (const [key, request] of Object.entries(current.inputRequests)) {
          // Bounded: a server listing thousands of requests must not start thousands of handlers.
          if (answering >= maxInputs) break;
          if (asked.has(key)) continue;
          asked.add(key);
          answering++;
          this.answerInput(taskId, key, request, done.signal, options)
            .catch((error: unknown) => {
              handlerFailure ??= { error };
              wake();
            })
            .finally(() => answering--);
        }
      }
    } catch (error) {
      // Closed, between polls or in a request: one error for it, and no tasks/cancel can go out.
      if (!terminal && closed.signal.aborted) throw closed.signal.reason;
      // Our side gave up (abort, a handler failed): the task must not run on for nobody.
      if (!terminal) await this.cancelOnGiveUp(taskId, options);
      throw error;
    } finally {
      unwatch();
      done.abort();
    }
  }

  /** `tasks/get`: the task with its status's payload (`result`, `error` or `inputRequests`). */
  async getTask(taskId: string, options: Pick<ExtensionCallOptions, 'signal' | 'requestTimeout'> = {}): Promise<ExtensionDetailedTask> {
    return this.fetchTask(taskId, options);
  }

  private async fetchTask(taskId: string, options: ExtensionCallOptions, closed?: AbortSignal): Promise<ExtensionDetailedTask> {
    const request = { method: 'tasks/get', params: { taskId, _meta: this.meta() } };
    try {
      return (await this.send(request, ExtensionDetailedTaskSchema, options, closed)) as ExtensionDetailedTask;
    } catch (error) {
      // The SDK rejects an answer its schema refuses with the bare zod error (its issues as JSON).
      throw isZodError(error) ? invalidServerAnswer(`tasks/get of task ${taskId}`, error, taskId) : error;
    }
  }

  /** `tasks/update`: answers some of the task's outstanding `inputRequests` (by key). */
  async updateTask(
    taskId: string,
    inputResponses: InputResponses,
    options: Pick<ExtensionCallOptions, 'signal' | 'requestTimeout'> = {},
  ): Promise<void> {
    await this.send({ method: 'tasks/update', params: { taskId, inputResponses, _meta: this.meta() } }, z.looseObject({}), options);
  }

  /** `tasks/cancel`: asks the server to cancel the task (an acknowledgement, not a status). */
  async cancelTask(taskId: string, options: Pick<ExtensionCallOptions, 'signal' | 'requestTimeout'> = {}): Promise<void> {
    await this.send({ method: 'tasks/cancel', params: { taskId, _meta: this.meta() } }, z.looseObject({}), options);
  }

  /**
   * The best-effort `tasks/cancel` of a call given up, waited for at most 5 s in all (a silent server
   * held an abort 60 s); asked again within them when the server's rate limit refuses it.
   */
  private async cancelOnGiveUp(taskId: string, options: ExtensionCallOptions): Promise<void> {
    const deadline = Date.now() + GIVE_UP_CANCEL_MS;
    for (let left = GIVE_UP_CANCEL_MS; left > 0; left = deadline - Date.now()) {
      try {
        return await this.cancelTask(taskId, { requestTimeout: Math.min(options.requestTimeout ?? left, left) });
      } catch (error) {
        const retry = retryAfterOf(error);
        if (retry === undefined || retry >= deadline - Date.now()) return;
        await pause(retry, [], () => {});
      }
    }
  }

  private async answerInput(
    taskId: string,
    key: string,
    request: InputRequest,
    signal: AbortSignal,
    options: ExtensionCallOptions,
  ): Promise<void> {
    const context: InputRequestContext = { taskId, key, signal };
    let result: Record<string, unknown>;
    const where = `tasks/get of task ${taskId} (its input request ${key})`;
    if (request.method === 'elicitation/create' && this.options.onElicitation) {
      const { params } = parseServerAnswer(ElicitRequestSchema, request, where, taskId);
      result = { ...(await this.options.onElicitation(params, context)) };
    } else if (request.method === 'sampling/createMessage' && this.options.onSampling) {
      const { params } = parseServerAnswer(CreateMessageRequestSchema, request, where, taskId);
      result = { ...(await this.options.onSampling(params, context)) };
    } else {
      throw new McpError(ErrorCode.MethodNotFound, `No handler for the task's input request ${request.method} (${key})`);
    }
    for (let internal = 0; ;) {
      if (signal.aborted) return;
      try {
        return await this.updateTask(taskId, { [key]: result }, { requestTimeout: options.requestTimeout });
      } catch (error) {
        // Refused by the rate limit: the user's answer is sent again once the server takes it. An
        // internal error may be a server that could not pass the answer on to its instance running
        // the task (this library's says "send it again"): sent again a few times, backing off; a key
        // no longer outstanding is ignored by the server, so a second delivery does no harm.
        const again = (error as { code?: unknown }).code === ErrorCode.InternalError && internal < INTERNAL_RETRIES;
        const retry = retryAfterOf(error) ?? (again ? INTERNAL_RETRY_MS * 2 ** internal++ : undefined);
        if (retry === undefined) throw error;
        await pause(retry, [signal], () => {});
      }
    }
  }

  /**
   * One request on the client; with no connection, the error of a closed one at once (SDK v1: "Not
   * connected"). The caller's signal is not handed to the SDK: SDK v1's `request` adds an abort listener
   * to it and never removes it, so a signal shared by a call's polls (or an application's calls) would
   * collect one per request, and its abort would send `notifications/cancelled` for each, answered or
   * not. The request gets a signal of its own that follows the caller's and `closed` (a poll's: the SDK
   * fails it on close itself, but not when an application's `onclose` threw) while it is in flight.
   */
  private async send(
    request: { method: string; params: Record<string, unknown> },
    resultSchema: z.ZodType,
    options: Pick<ExtensionCallOptions, 'signal' | 'requestTimeout'>,
    closed?: AbortSignal,
  ): Promise<unknown> {
    if (!this.client.transport) throw connectionClosedError();
    const { signal, requestTimeout } = options;
    checkRequestTimeout(requestTimeout);
    const timeout: RequestOptions = requestTimeout === undefined ? {} : { timeout: requestTimeout };
    if (!signal && !closed) return this.requester.request(request, resultSchema, timeout);
    const own = followSignals([signal, closed]);
    try {
      return await this.requester.request(request, resultSchema, { ...timeout, signal: own.signal });
    } finally {
      own.release();
    }
  }
}

const GIVE_UP_CANCEL_MS = 5_000;
/** Times a `tasks/update` answered with an internal error is sent again, and the first pause (ms, doubling). */
const INTERNAL_RETRIES = 3;
const INTERNAL_RETRY_MS = 250;
