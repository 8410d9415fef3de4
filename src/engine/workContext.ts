import type { z } from 'zod';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  LoggingLevel,
  ProgressToken,
  RequestId,
  ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { answerSchemaFor, invalidAnswer } from './answers.js';
import { isZodError } from '../zodIssues.js';
import { assertCanElicit, assertCanSample, canRunAsTask } from './clientCapabilities.js';
import { TASK_OR_RESULT } from './ClientTasks.js';
import type { ClientChannel, ClientRequestOptions, ClientTaskFollow } from './ClientTasks.js';
import type { ClientTaskOptions } from './TaskContext.js';
import { MissingClientCapabilityError } from './TaskContext.js';
import type { RunContext } from './TaskSpec.js';
import type { CallSettled } from './CallSettled.js';
import type { TaskContext } from './TaskContext.js';
import { limitExceeded } from '../errors.js';
import type { McpError } from '../wire.js';
import { merged } from '../merged.js';
import { promised } from './promised.js';
import { abandonedOnceOver } from './abandoned.js';
import { inlineCancelChannel } from './inlineCancelChannel.js';
import { statusText } from './statusText.js';

/**
 * What an inline tool run needs of its request's response stream: the SDK line's adapter provides
 * it (v1: `extra.sendNotification`/`extra.sendRequest`; v2: `ctx.mcpReq.notify`/`send`).
 */
export interface RequestStream {
  notify(notification: ServerNotification): Promise<void>;
  request<T>(
    request: { method: string; params?: Record<string, unknown> },
    resultSchema: z.ZodType<T>,
    options?: ClientRequestOptions,
  ): Promise<T>;
}

/** How one run of a tool's work reaches its client: a task's (queue, task actor) or an inline call's (its response stream). */
export interface WorkPort {
  readonly taskId: string | undefined;
  readonly signal: AbortSignal;
  readonly progressToken?: ProgressToken;
  /** The client's declared capabilities, checked before any input request is sent. */
  capabilities(): ClientCapabilities | undefined;
  status(message: string): Promise<void>;
  /**
   * Sends `method` to the client and resolves with its answer, checked against `schema`. Never
   * throws: a failure is the promise's. With a `counter`, calls its `inputSettled()` once when the
   * ask settles, however it does.
   */
  ask(method: string, params: object, schema: z.ZodType, counter?: InputCounter): Promise<unknown>;
  tell(notification: { method: string; params: Record<string, unknown> }): Promise<void>;
  /**
   * Sends `method` with `params.task` and follows the client's task to its result (checked against
   * `schema`); absent where the session cannot follow client tasks (then the plain request is the fallback).
   */
  askAsTask?(method: string, params: object, schema: z.ZodType, ttl: number | undefined): Promise<unknown>;
  /** Whether a client task asked now can be followed (polled, cancelled); absent: whenever `askAsTask` is there. */
  canFollow?(): boolean;
}

/**
 * Told when a counted ask settles. The port calls it where the answer lands, so that a waiting ask
 * costs no promise chain of its own, as a `.finally` per ask did (a promise, a reaction and three
 * closures per task waiting for input; see TaskPort.ts `ask` for what the two changes saved).
 */
export interface InputCounter {
  inputSettled(): void;
}

/**
 * The one work context: the `task` a tool's work gets, whether it runs as a task or inline. The
 * capability checks, the answer schemas and the notification shapes live here once; the port says
 * where messages go.
 *
 * A class, not an object of closures: 100,000 tasks may be alive at once, and the methods on the
 * prototype cost nothing per task (an object literal of ten closures and their contexts cost about
 * 1.4 KB per task; wrapping it with `Object.create` for the input cap and the call's fields made
 * each wrapped object a prototype, with a hidden class of its own per task: bench/heapProfile.ts).
 * The call's fields (`requestId` …) are set on it by {@link WorkContext.addFields}. A task's port
 * is TaskPort.ts.
 */
export class WorkContext implements RunContext, InputCounter {
  readonly taskId: string | undefined;
  declare readonly requestId?: RequestId;
  declare readonly sessionId?: string;
  declare readonly authInfo?: AuthInfo;
  declare readonly _meta?: Record<string, unknown>;
  /**
   * `maxQueuedInputRequests` for this run (undefined: no cap), and how many asks wait now. Not
   * Infinity for "no cap": a field that ever held a non-integer is stored as a boxed number, 16
   * bytes more per live task (bench/heapProfile.ts).
   */
  private inputCap: number | undefined = undefined;
  private waitingInputs = 0;

  constructor(private readonly port: WorkPort) {
    this.taskId = port.taskId;
  }

  /** Set by {@link inlineContext} on an inline call's context: the call's end, which InlineRuns.ts ends at shutdown. @internal */
  declare inlineCall?: CallSettled;

  /** Read through, so a port that makes its signal on first use (a task's, an inline call's) still does. */
  get signal(): AbortSignal {
    return this.port.signal;
  }

  status(message: string): Promise<void> {
    // Stored and sent as the spec's string: a number or an object from untyped code was stored as
    // it was, and then every tasks/get of the task, and tasks/list of its owner, failed at the client.
    return this.port.status(typeof message === 'string' || message === undefined ? message : statusText(message));
  }

  // The four asks reject, as TaskContext documents, and never throw: a missing capability (or
  // params that are not an object) threw at the call, past a work's `.catch` and `allSettled`.
  elicit(params: ElicitRequestFormParams | ElicitRequestURLParams): Promise<ElicitResult> {
    const refused = this.overInputCap();
    if (refused) return Promise.reject(refused);
    return promised(() => this.plainElicit(params, true));
  }

  createMessage(params: CreateMessageRequestParams): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    const refused = this.overInputCap();
    if (refused) return Promise.reject(refused);
    return promised(() => this.plainCreateMessage(params, true));
  }

  elicitAsTask(params: ElicitRequestFormParams | ElicitRequestURLParams, options?: ClientTaskOptions): Promise<ElicitResult> {
    return promised(() => {
      assertCanElicit(this.port.capabilities(), params, this.taskId === undefined);
      const method = 'elicitation/create';
      if (!asTask(this.port, method, options)) return this.plainElicit(params);
      return this.port.askAsTask!(method, params, answerSchemaFor({ method, params })!, options?.ttl) as Promise<ElicitResult>;
    });
  }

  createMessageAsTask(
    params: CreateMessageRequestParams,
    options?: ClientTaskOptions,
  ): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    return promised(() => {
      assertCanSample(this.port.capabilities(), params, this.taskId === undefined);
      const method = 'sampling/createMessage';
      if (!asTask(this.port, method, options)) return this.plainCreateMessage(params);
      return this.port.askAsTask!(method, params, answerSchemaFor({ method, params })!, options?.ttl) as Promise<
        CreateMessageResult | CreateMessageResultWithTools
      >;
    });
  }

  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void> {
    return this.port.tell({ method: 'notifications/message', params: logger === undefined ? { level, data } : { level, data, logger } });
  }

  async progress(progress: number, total?: number, message?: string): Promise<void> {
    const progressToken = this.port.progressToken;
    if (progressToken === undefined) return;
    const params: Record<string, unknown> = { progressToken, progress };
    if (total !== undefined) params['total'] = total;
    if (message !== undefined) params['message'] = message;
    await this.port.tell({ method: 'notifications/progress', params });
  }

  /**
   * Refuses `elicit`/`createMessage` beyond `max` waiting at once (WorkSafeguards, for a task's
   * work; the `*AsTask` forms and their plain fallback are not counted, as before).
   */
  capInputs(max: number): this {
    this.inputCap = max === Infinity ? undefined : max;
    return this;
  }

  /** Sets the `tools/call`'s fields (`requestId`, `sessionId`, `authInfo`, `_meta`) on this context. */
  addFields(fields: Pick<TaskContext, 'requestId' | 'sessionId' | 'authInfo' | '_meta'>): this {
    return Object.assign(this, fields);
  }

  private plainElicit(params: ElicitRequestFormParams | ElicitRequestURLParams, counted = false): Promise<ElicitResult> {
    assertCanElicit(this.port.capabilities(), params, this.taskId === undefined);
    const method = 'elicitation/create';
    return this.ask(method, params, answerSchemaFor({ method, params })!, counted) as Promise<ElicitResult>;
  }

  private plainCreateMessage(
    params: CreateMessageRequestParams,
    counted = false,
  ): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    assertCanSample(this.port.capabilities(), params, this.taskId === undefined);
    const method = 'sampling/createMessage';
    return this.ask(method, params, answerSchemaFor({ method, params })!, counted) as Promise<
      CreateMessageResult | CreateMessageResultWithTools
    >;
  }

  /** Asks through the port; a `counted` ask takes one of the cap's slots until it settles. */
  private ask(method: string, params: object, schema: z.ZodType, counted: boolean): Promise<unknown> {
    if (!counted || this.inputCap === undefined) return this.port.ask(method, params, schema);
    this.waitingInputs++;
    return this.port.ask(method, params, schema, this);
  }

  /** A counted ask settled: its slot is free again. @internal (the port calls it) */
  inputSettled(): void {
    this.waitingInputs--;
  }

  /** The limit error when `maxQueuedInputRequests` asks wait already. */
  private overInputCap(): McpError | undefined {
    const max = this.inputCap;
    if (max === undefined || this.waitingInputs < max) return undefined;
    return limitExceeded(`Too many input requests waiting in this task (maxQueuedInputRequests ${max})`, {
      limit: 'maxQueuedInputRequests',
      max,
      ...(this.taskId === undefined ? {} : { taskId: this.taskId }),
    });
  }
}

/** The context of one run of a work (see {@link WorkContext}). */
export function workContext(port: WorkPort): WorkContext {
  return new WorkContext(port);
}

/**
 * Whether `method` goes out as a client task: the client declared it under `tasks.requests` and
 * the port can follow one; else the plain request, or a refusal when the work asked for that.
 */
function asTask(port: WorkPort, method: 'elicitation/create' | 'sampling/createMessage', options: ClientTaskOptions | undefined): boolean {
  const declared = canRunAsTask(port.capabilities(), method);
  // A client task nothing can poll or cancel (no GET stream to carry tasks/get) failed the work once
  // the client had made it, and was left running there: the plain request needs no follow.
  const followable = port.canFollow?.() !== false;
  if (port.askAsTask && declared && followable) return true;
  if (options?.fallback === 'refuse') {
    const capability = method === 'elicitation/create' ? 'tasks.requests.elicitation.create' : 'tasks.requests.sampling.createMessage';
    throw declared && !followable
      ? new MissingClientCapabilityError(
          capability,
          'The client task could not be followed: the session has no standalone stream (GET) open to carry tasks/get and tasks/cancel',
        )
      : new MissingClientCapabilityError(capability);
  }
  return false;
}

/** Adds the task augmentation to a request's params (`task: { ttl }`). */
export function withTask(params: object, ttl: number | undefined): Record<string, unknown> {
  return merged(params as Record<string, unknown>, { task: ttl === undefined ? {} : { ttl } });
}

/** The plain call an inline context runs over (see {@link inlineContext}). @internal */
export interface InlineCall {
  /** The call's own stream: its asks and notifications go there. */
  stream: RequestStream;
  /** The call's abort signal: the work's, and its follows', abort with it. */
  signal: AbortSignal;
  /** The client's capabilities as declared at `initialize`. */
  capabilities: () => ClientCapabilities | undefined;
  /** The caller's progress token, if it asked for progress: status lines become progress messages. */
  progressToken?: ProgressToken;
  /** The engine's follower of client tasks; without it, `elicitAsTask` sends the plain request. */
  clientTasks?: InlineClientTasks;
  /**
   * The call's end: once its work has settled or the shutdown ended it (or `signal` aborted), the
   * call is over; an ask rejected then is abandoned, and a client task still followed is cancelled
   * (nobody awaits it). The shutdown also aborts the work's signal. Absent (tests): `signal` alone.
   */
  settled?: CallSettled;
}

/** The `task` an `optional` tool gets when called without `task`: the same API over the plain call. @internal */
export function inlineContext({ stream, signal, capabilities, progressToken, clientTasks, settled }: InlineCall): WorkContext {
  let step = 0;
  const isOver = (): boolean => settled?.over === true || signal.aborted;
  const context: WorkContext = workContext({
    taskId: undefined,
    // Made on first read: most works never read it (CallSettled.ts).
    get signal() {
      return settled ? settled.workSignal(signal) : signal;
    },
    ...(progressToken === undefined ? {} : { progressToken }),
    capabilities,
    // Inline there is no task status; a status line becomes a progress message when the caller asked for progress.
    status: (message) => context.progress(++step, undefined, message),
    // The SDK rejects an answer its schema refuses with the bare zod error; the work gets the
    // same -32602 as on the task path.
    ask: (method, params, schema, counter) => {
      const asked = promised(() => stream.request({ method, params: params as Record<string, unknown> }, schema)).catch(
        (error: unknown) => {
          throw isZodError(error) ? invalidAnswer(error) : error;
        },
      );
      // Inline asks live as long as their call: a chain here costs nothing per live task. An ask
      // that fails once the call is over (the connection closed, say) is abandoned.
      return abandonedOnceOver(counter ? asked.finally(() => counter.inputSettled()) : asked, isOver);
    },
    // A log or progress message that cannot go out fails no work (as on the task path, where a
    // send to a gone session resolves false): the SDK refuses `notifications/message` from a server
    // that did not declare `logging`, and that refusal ended the whole inline call.
    tell: (notification) => stream.notify(notification as ServerNotification).catch(() => undefined),
    ...(clientTasks
      ? {
          // The request, the polls and the result all go on this call's own stream (open until the
          // tool answers), and so does `tasks/cancel` while the call is open; once it is over, on
          // the session's, waiting for its GET stream (inlineCancelChannel.ts). The follow ends
          // with the call: its work may have dropped the ask and answered.
          askAsTask: (method, params, schema, ttl) =>
            abandonedOnceOver(
              clientTasks.follow({
                create: (stop) => stream.request({ method, params: withTask(params, ttl) }, TASK_OR_RESULT, { signal: stop }),
                channel: { request: (r, s, o) => stream.request(r, s, o), ...clientTasks.status },
                ...(clientTasks.session ? { cancelChannel: inlineCancelChannel(clientTasks.session, stream, isOver) } : {}),
                capabilities: capabilities(),
                resultSchema: schema,
                signal: settled ? settled.signal(signal) : signal,
              }),
              isOver,
            ),
        }
      : {}),
  });
  if (settled) context.inlineCall = settled;
  return context;
}

/**
 * What an inline call needs to follow client tasks: the engine's follower (under the root actor),
 * the session's status notifications, and the session's channel, which `tasks/cancel` takes.
 */
export interface InlineClientTasks {
  follow(follow: ClientTaskFollow): Promise<unknown>;
  status: Pick<ClientChannel, 'onTaskStatus'>;
  session?: ClientChannel;
}
