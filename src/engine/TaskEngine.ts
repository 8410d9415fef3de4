import { randomBytes } from 'node:crypto';
import { createActor } from 'xstate';
import type { Actor, InspectionEvent, Observer } from 'xstate';
import {
  CallToolResultSchema,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  ErrorCode,
  McpError,
  RELATED_TASK_META_KEY,
} from '../wire.js';
import type {
  CallToolResult,
  ClientCapabilities,
  JSONRPCNotification,
  ProgressToken,
  ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { taskMachine } from '../../machines/task.js';
import type { AnnounceParams, SettleParams, TaskMachineEvent } from '../../machines/task.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import type { TaskSupervisorSnapshot } from '../../machines/taskSupervisor.js';
import { fromWork } from '../../machines/workLogic.js';
import { assertCanElicit, assertCanSample } from './clientCapabilities.js';
import { describeParseError, errorShape, invalidToolResult, mcpError, outcomeOfThrow, taskNotFound } from '../errors.js';
import { ExpirySchedule } from './ExpirySchedule.js';
import type { ClusterCommand, TaskCluster } from '../backends/TaskCluster.js';
import type { TaskContext } from './TaskContext.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord } from '../types.js';

/** The session a task was created in: how the task reaches its client outside `tasks/result`. */
export interface TaskSession {
  /** The client's declared capabilities (checked before any input request is sent). */
  clientCapabilities(): ClientCapabilities | undefined;
  /** Sends a notification on the session's standalone stream; resolves false when it is gone. */
  notify(notification: ServerNotification): Promise<boolean>;
}

/** What starting a task needs. */
export interface TaskSpec {
  owner: string;
  /** Requested ttl in ms (capped by the engine's maximum). */
  ttl?: number;
  session: TaskSession;
  progressToken?: ProgressToken;
  /** The work; its result completes the task, its throw fails it. */
  run: (task: TaskContext) => Promise<CallToolResult> | CallToolResult;
  /** Set for tools registered as restartable: what another instance needs to run the task again. */
  restart?: { tool: string; args: unknown };
}

/** Engine limits and hooks. */
export interface TaskEngineOptions {
  defaultTtl: number;
  maxTtl: number;
  /** Smallest ttl granted (ms); smaller requests, `0` included, are raised to it. Default 0. */
  minTtl?: number;
  /** Notifications queued per task for `tasks/result`; beyond, the queue drops the oldest. Default: no cap. */
  maxQueuedNotifications?: number;
  pollInterval: number;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  logger: Pick<Console, 'warn' | 'error'>;
  /** Shares tasks between server instances (leases, commands to the runner, takeover). */
  cluster?: TaskCluster;
  /** The work of a restartable tool, to run an orphaned task again; undefined fails the task instead. */
  restartWork?: (tool: string, args: unknown) => TaskSpec['run'] | undefined;
  /** Admits a new task of `owner` (throws when a limit is hit); the returned function releases it once the task ends. */
  admit?: (owner: string) => () => void;
}

interface PendingInput {
  resolve(result: unknown): void;
  reject(error: unknown): void;
  parse(result: unknown): unknown;
}

const SETTLED: Promise<void> = Promise.resolve();

/** Longest pause between two tries of a store write (see `retrying`). */
const MAX_RETRY_DELAY_MS = 500;

/**
 * The engine's bookkeeping of one running task, kept small: 100,000 of them may be alive at once.
 * `ended` is made only when something waits for it (a cancel, `close`); most tasks never need it.
 */
class LiveTask {
  writes: Promise<void> = SETTLED;
  readonly inputs = new Map<string, PendingInput>();
  /** Open `tasks/result` calls for this task. */
  attached = 0;
  /** Whether the drop of a queued notification was logged already (once per task). */
  droppedWarned = false;
  private finished = false;
  private endedPromise: Promise<void> | undefined;
  private resolveEnded: (() => void) | undefined;

  constructor(
    readonly spec: TaskSpec,
    /** Gives the task's slot under the live-task limits back. */
    private readonly release?: () => void,
  ) {}

  /** Resolves once the task's last write is stored and its bookkeeping is gone. */
  get ended(): Promise<void> {
    if (this.finished) return SETTLED;
    this.endedPromise ??= new Promise<void>((resolve) => (this.resolveEnded = resolve));
    return this.endedPromise;
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.release?.();
    this.resolveEnded?.();
  }
}

/**
 * The protocol-agnostic core: the root actor and its task actors, the store and queue they write
 * to, and the actions that connect them. Bindings (2025-11-25 methods, the tasks extension)
 * translate requests into calls on this class.
 * @internal
 */
export class TaskEngine {
  readonly actor: Actor<typeof taskSupportMachine>;
  private readonly live = new Map<string, LiveTask>();
  private readonly expiry: ExpirySchedule;
  private readonly requestPrefix = `mta-${randomBytes(4).toString('hex')}-`;
  private requestCount = 0;
  private closing = false;
  private supervisorRef: Actor<ReturnType<typeof createTaskSupervisor>> | undefined;
  private readonly clusterReady: Promise<void>;

  constructor(
    readonly store: TaskStore,
    readonly queue: TaskMessageQueue,
    readonly options: TaskEngineOptions,
  ) {
    const task = taskMachine.provide({
      actors: {
        work: fromWork((input, signal) => this.runWork(input.taskId, signal)),
      },
      actions: {
        announce: ({ context }, params: AnnounceParams) => this.announce(context.taskId, params),
        settle: ({ context }, params: SettleParams) => this.settle(context.taskId, params),
        answer: ({ context }, params: { requestId: string; result?: unknown; error?: unknown }) =>
          this.answer(context.taskId, params),
        discard: ({ context }) => this.discard(context.taskId),
      },
    });
    const root = taskSupportMachine.provide({ actors: { supervisor: createTaskSupervisor(task) } });
    this.actor = createActor(root, options.inspect ? { inspect: options.inspect } : {});
    // Never rejects (see expire); the catch is a last guard, since a timer's rejection ends the process.
    this.expiry = new ExpirySchedule((taskId) =>
      void this.expire(taskId).catch((error: unknown) => this.options.logger.error(`mcp-task-actors: expiring task ${taskId} failed`, error)),
    );
    this.actor.start();
    this.supervisor().on('task.crashed', ({ taskId, error }) => void this.crashed(taskId, error));
    this.clusterReady = options.cluster
      ? options.cluster.start({
          command: (taskId, command) => this.onClusterCommand(taskId, command),
          orphaned: (taskId) => void this.adopt(taskId),
          lost: (taskId) => this.onLeaseLost(taskId),
        })
      : Promise.resolve();
    // A cluster that cannot start surfaces on the first task, not as an unhandled rejection here.
    this.clusterReady.catch(() => {});
  }

  /** Creates the task record and spawns its actor; resolves with the record as created. */
  async start(spec: TaskSpec): Promise<TaskRecord> {
    if (this.closing) throw mcpError(ErrorCode.InternalError, 'Server is shutting down; no new tasks');
    await this.clusterReady;
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const requested = spec.ttl ?? this.options.defaultTtl;
    const record: TaskRecord = {
      taskId: randomBytes(16).toString('base64url'),
      owner: spec.owner,
      status: 'working',
      createdAt,
      lastUpdatedAt: createdAt,
      ttl: Math.min(Math.max(requested, this.options.minTtl ?? 0), this.options.maxTtl),
      pollInterval: this.options.pollInterval,
      ...(spec.restart ? { restart: spec.restart } : {}),
      ...(this.options.cluster ? { runner: this.options.cluster.instanceId } : {}),
    };
    // Counted before the record exists, so concurrent calls cannot overshoot a limit.
    const release = this.options.admit?.(spec.owner);
    try {
      await this.store.create(record);
      await this.options.cluster?.claim(record.taskId);
    } catch (error) {
      release?.();
      throw error;
    }
    this.live.set(record.taskId, new LiveTask(spec, release));
    this.expiry.schedule(record.taskId, now + record.ttl);
    this.actor.send({ type: 'task.start', taskId: record.taskId });
    return record;
  }

  /** The record if `owner` may see it; -32602 otherwise. */
  async get(taskId: string, owner: string): Promise<TaskRecord> {
    const record = await this.store.get(taskId);
    if (!record || record.owner !== owner) throw taskNotFound(taskId);
    return record;
  }

  /** A page of the owner's tasks. */
  list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    return this.store.list(owner, cursor, limit);
  }

  /** The outcome of a terminal task. */
  async outcome(taskId: string): Promise<TaskOutcome> {
    const outcome = await this.store.getOutcome(taskId);
    if (!outcome) throw mcpError(ErrorCode.InternalError, `Task ${taskId} has no stored outcome`);
    return outcome;
  }

  /**
   * Forgets a settled task at once (record, outcome, queue) after its actor's last write: for a
   * call answered inline whose task id no client ever saw. Its ttl deadline later finds nothing.
   */
  async dismiss(taskId: string): Promise<void> {
    await this.live.get(taskId)?.ended;
    await this.forget(taskId);
  }

  /** Moves a non-terminal task to `cancelled` (stored before this resolves) and aborts its work. */
  async cancel(taskId: string, owner: string, reason = 'Cancelled by the client'): Promise<TaskRecord> {
    const record = await this.get(taskId, owner);
    if (isTerminal(record.status)) {
      throw mcpError(ErrorCode.InvalidParams, `Cannot cancel task ${taskId}: it is already ${record.status}`);
    }
    const live = this.live.get(taskId);
    if (live) {
      this.send(taskId, { type: 'cancel', reason });
      await live.ended;
    } else {
      // No actor here (it crashed, or it runs on another instance): the store's atomic settle
      // decides, then the runner, if any, is told to abort the work.
      await this.store.settle(taskId, 'cancelled', reason, cancelledOutcome(taskId, reason));
      await this.queue.clear(taskId);
      await this.options.cluster?.send(taskId, { type: 'cancel', reason });
    }
    const after = await this.get(taskId, owner);
    if (after.status !== 'cancelled') {
      throw mcpError(ErrorCode.InvalidParams, `Cannot cancel task ${taskId}: it is already ${after.status}`);
    }
    return after;
  }

  /** Whether the task is still waiting for the answer to `requestId` (on this instance). */
  private isAwaiting(taskId: string, requestId: string): boolean {
    return this.live.get(taskId)?.inputs.has(requestId) ?? false;
  }

  /** Hands the client's answer to the waiting task actor, as an event. */
  deliverAnswer(
    taskId: string,
    requestId: string,
    answer: { result: unknown } | { error: { code: number; message: string; data?: unknown } },
  ): void {
    if (!this.live.has(taskId) && this.options.cluster) {
      // The task runs on another instance: the answer travels to its actor there.
      void this.options.cluster.send(taskId, { type: 'answer', requestId, answer }).then(
        (sent) => {
          if (!sent) this.options.logger.warn(`mcp-task-actors: dropped an answer to ${requestId}: no instance runs task ${taskId}`);
        },
        // Redis away: the answer cannot reach the task's instance; its request stays outstanding in the queue.
        (error: unknown) => this.options.logger.error(`mcp-task-actors: could not pass an answer to ${requestId} on to task ${taskId}`, error),
      );
      return;
    }
    if (!this.isAwaiting(taskId, requestId)) {
      this.options.logger.warn(`mcp-task-actors: dropped an answer to ${requestId}: task ${taskId} is not waiting for it`);
      return;
    }
    this.send(
      taskId,
      'result' in answer
        ? { type: 'input.response', requestId, result: answer.result }
        : {
            type: 'input.error',
            requestId,
            error: mcpError(answer.error.code, answer.error.message, answer.error.data),
          },
    );
  }

  /** Counts a `tasks/result` call attached to the task (notifications then go through the queue). */
  attach(taskId: string): () => void {
    const live = this.live.get(taskId);
    if (!live) return () => {};
    live.attached++;
    return () => void live.attached--;
  }

  /** Number of task actors alive under the supervisor. */
  get liveActorCount(): number {
    return this.supervisorSnapshot().tasks.size;
  }

  /** Number of tasks with bookkeeping in this engine (should equal `liveActorCount` at rest). */
  get liveTaskCount(): number {
    return this.live.size;
  }

  /**
   * Stops every actor: running tasks end `failed` with `reason`, stored before this resolves.
   * Afterwards no timer or listener of the engine is left.
   */
  async close(reason = 'Server shut down before the task finished'): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const pending = [...this.live.values()].map((live) => live.ended);
    this.actor.send({ type: 'close', reason });
    await Promise.all(pending);
    this.expiry.stop();
    this.actor.stop();
    await this.options.cluster?.close();
  }

  /** The fencing token of this instance's store writes (undefined without a cluster). */
  private get runner(): string | undefined {
    return this.options.cluster?.instanceId;
  }

  private onClusterCommand(taskId: string, command: ClusterCommand): void {
    if (!this.live.has(taskId)) {
      if (command.type === 'answer') {
        this.options.logger.warn(`mcp-task-actors: dropped an answer to ${command.requestId}: task ${taskId} is not waiting for it`);
      }
      return;
    }
    if (command.type === 'cancel') this.send(taskId, { type: 'cancel', reason: command.reason });
    else this.deliverAnswer(taskId, command.requestId, command.answer);
  }

  /** Another instance runs the task now: stop ours without writing (the store fences our writes anyway). */
  private onLeaseLost(taskId: string): void {
    if (!this.live.has(taskId)) return;
    this.options.logger.error(`mcp-task-actors: lost the lease of task ${taskId}; stopping its local run`);
    this.send(taskId, { type: 'shutdown', reason: 'Lease lost to another instance' });
  }

  /**
   * This instance took over a task whose runner died: run it again when its tool is restartable
   * (at-least-once), else fail it with a clear message so no waiter hangs.
   */
  private async adopt(taskId: string): Promise<void> {
    try {
      const record = await this.store.get(taskId);
      if (!record || isTerminal(record.status) || this.live.has(taskId)) {
        if (!this.live.has(taskId)) await this.options.cluster?.release(taskId);
        return;
      }
      const run = record.restart ? this.options.restartWork?.(record.restart.tool, record.restart.args) : undefined;
      if (!run || this.closing) {
        const message = 'The server instance running this task stopped before it finished';
        await this.store.settle(taskId, 'failed', message, {
          type: 'error',
          error: { code: ErrorCode.InternalError, message, data: { taskId } },
        }, this.runner);
        await this.queue.clear(taskId);
        await this.options.cluster?.release(taskId);
        return;
      }
      // Requests the dead runner asked are void: the work starts over and asks again.
      await this.queue.clear(taskId);
      await this.store.update(taskId, 'working', 'Restarted after its server instance stopped', this.runner);
      const session: TaskSession = { clientCapabilities: () => undefined, notify: async () => false };
      this.live.set(taskId, new LiveTask({ owner: record.owner, session, run, restart: record.restart! }));
      this.expiry.schedule(taskId, Date.parse(record.createdAt) + record.ttl);
      this.actor.send({ type: 'task.start', taskId });
    } catch (error) {
      this.options.logger.error(`mcp-task-actors: taking over task ${taskId} failed`, error);
    }
  }

  private send(taskId: string, event: TaskMachineEvent): void {
    this.actor.send({ type: 'task.send', taskId, event });
  }

  private supervisorSnapshot(): TaskSupervisorSnapshot {
    return this.supervisor().getSnapshot() as TaskSupervisorSnapshot;
  }

  private supervisor(): Actor<ReturnType<typeof createTaskSupervisor>> {
    // Kept after the root stops, so counts stay readable once closed.
    if (!this.supervisorRef) {
      const ref = this.actor.system.get('supervisor');
      if (!ref) throw new Error('mcp-task-actors: the task supervisor is not running');
      this.supervisorRef = ref as Actor<ReturnType<typeof createTaskSupervisor>>;
    }
    return this.supervisorRef;
  }

  private async runWork(taskId: string, signal: AbortSignal): Promise<CallToolResult> {
    const live = this.live.get(taskId);
    if (!live) throw new Error(`Task ${taskId} has no work`);
    const result = await live.spec.run(this.contextFor(taskId, live, signal));
    const parsed = CallToolResultSchema.safeParse(result);
    if (!parsed.success) throw invalidToolResult(parsed.error);
    return parsed.data;
  }

  private contextFor(taskId: string, live: LiveTask, signal: AbortSignal): TaskContext {
    return {
      taskId,
      signal,
      status: (message) => {
        this.send(taskId, { type: 'work.status', message });
        return live.writes;
      },
      elicit: (params) => {
        assertCanElicit(live.spec.session.clientCapabilities(), params);
        return this.ask(taskId, live, signal, 'elicitation/create', params, (r) => ElicitResultSchema.parse(r));
      },
      createMessage: (params) => {
        assertCanSample(live.spec.session.clientCapabilities(), params);
        const schema = params.tools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema;
        return this.ask(taskId, live, signal, 'sampling/createMessage', params, (r) => schema.parse(r));
      },
      log: (level, data, logger) =>
        this.tell(taskId, live, {
          method: 'notifications/message',
          params: logger === undefined ? { level, data } : { level, data, logger },
        }),
      progress: async (progress, total, message) => {
        if (live.spec.progressToken === undefined) return;
        const params: Record<string, unknown> = { progressToken: live.spec.progressToken, progress };
        if (total !== undefined) params['total'] = total;
        if (message !== undefined) params['message'] = message;
        await this.tell(taskId, live, { method: 'notifications/progress', params });
      },
    };
  }

  /** Queues a request for the client and parks the work until the task actor is given the answer. */
  private async ask<T>(
    taskId: string,
    live: LiveTask,
    signal: AbortSignal,
    method: string,
    params: object,
    parse: (result: unknown) => T,
  ): Promise<T> {
    signal.throwIfAborted();
    const requestId = `${this.requestPrefix}${++this.requestCount}`;
    // Object.assign, not spreads: spreading the caller's params gave every queued request a hidden
    // class of its own (about 190 bytes more per task waiting for input).
    const meta: Record<string, unknown> = Object.assign({}, '_meta' in params ? (params._meta as Record<string, unknown>) : undefined);
    meta[RELATED_TASK_META_KEY] = { taskId };
    const request: Record<string, unknown> = Object.assign({}, params as Record<string, unknown>);
    request['_meta'] = meta;
    const answer = new Promise<T>((resolve, reject) => {
      live.inputs.set(requestId, { resolve: resolve as (r: unknown) => void, reject, parse });
    });
    // A cancel may reject it while the enqueue below is pending: not an unhandled rejection.
    answer.catch(() => {});
    try {
      await this.queue.enqueue(taskId, {
        kind: 'request',
        requestId,
        message: { jsonrpc: '2.0', id: requestId, method, params: request },
      });
    } catch (error) {
      // Never asked: nothing may wait for, or later reject, an answer to it.
      live.inputs.delete(requestId);
      throw error;
    }
    this.send(taskId, { type: 'input.request', requestId });
    return answer;
  }

  /** Sends a task-related notification now if nothing carries the task's messages, else queues it. */
  private async tell(taskId: string, live: LiveTask, notification: { method: string; params: object }): Promise<void> {
    const params = {
      ...notification.params,
      _meta: { [RELATED_TASK_META_KEY]: { taskId } },
    };
    const message: JSONRPCNotification = { jsonrpc: '2.0', method: notification.method, params };
    if (live.attached === 0 && (await live.spec.session.notify(message as ServerNotification))) return;
    const max = this.options.maxQueuedNotifications;
    const dropped = await this.queue.enqueue(taskId, { kind: 'notification', message }, max === undefined ? undefined : { maxNotifications: max });
    if (dropped && !live.droppedWarned) {
      live.droppedWarned = true;
      this.options.logger.warn(
        `mcp-task-actors: task ${taskId} has more than ${max} notifications queued for tasks/result (maxQueuedNotifications); dropping the oldest`,
      );
    }
  }

  private announce(taskId: string, params: AnnounceParams): void {
    this.write(taskId, async (live) => {
      const record = await this.store.update(taskId, params.status, params.message, this.runner);
      if (record) await this.notifyStatus(live, record);
    });
  }

  private settle(taskId: string, params: SettleParams): void {
    const live = this.live.get(taskId);
    if (!live) return;
    const { statusMessage, outcome } = describeSettle(taskId, params);
    // Built only when an input is pending: an Error captures a stack, a cost on every settle otherwise.
    if (live.inputs.size > 0) {
      const pendingError =
        params.status === 'cancelled'
          ? mcpError(ErrorCode.InternalError, `Task ${taskId} was cancelled`)
          : mcpError(ErrorCode.InternalError, `Task ${taskId} ended (${params.status}) before the answer arrived`);
      this.rejectInputs(taskId, live, pendingError);
    }
    this.write(taskId, async () => {
      const record = await this.store.settle(taskId, params.status, statusMessage, outcome, this.runner);
      if (params.status === 'cancelled') await this.queue.clear(taskId);
      if (record) await this.notifyStatus(live, record);
    });
    this.retire(taskId, live);
  }

  private answer(taskId: string, params: { requestId: string; result?: unknown; error?: unknown }): void {
    const live = this.live.get(taskId);
    const pending = live?.inputs.get(params.requestId);
    if (!live || !pending) return;
    live.inputs.delete(params.requestId);
    this.write(taskId, async () => void (await this.queue.resolve(taskId, params.requestId)));
    if (params.error !== undefined) return pending.reject(params.error);
    try {
      pending.resolve(pending.parse(params.result));
    } catch (error) {
      pending.reject(mcpError(ErrorCode.InvalidParams, `Invalid answer from the client: ${describeParseError(error)}`));
    }
  }

  private discard(taskId: string): void {
    const live = this.live.get(taskId);
    if (!live) return;
    this.rejectInputs(taskId, live, mcpError(ErrorCode.InternalError, `Task ${taskId} expired`));
    this.write(taskId, () => this.forget(taskId));
    this.retire(taskId, live);
  }

  /**
   * The ttl ran out. A running task's actor ends it (its `discard` forgets it through the task's
   * write queue); a settled task is forgotten here. Either way the delete is retried with backoff
   * while the store is away (Redis restarting) and logged if it never comes back, never thrown:
   * this runs from a timer, where a rejection would end the process. A delete given up on is not
   * a leak: Redis expires the task and outcome keys by itself at this same deadline (`PEXPIREAT`
   * in RedisTaskStore.create, the settle script copies the ttl to the outcome), and the queue keys
   * carry their own safety expiry.
   */
  private async expire(taskId: string): Promise<void> {
    if (this.live.has(taskId)) return this.send(taskId, { type: 'expire' });
    await this.retrying(taskId, () => this.forget(taskId), 'forgetting expired task');
  }

  private async forget(taskId: string): Promise<void> {
    await this.store.delete(taskId);
    await this.queue.clear(taskId);
  }

  /** A task actor threw: the supervisor already stopped it, so its record is failed here. */
  private async crashed(taskId: string, error: unknown): Promise<void> {
    this.options.logger.error(`mcp-task-actors: task actor ${taskId} crashed`, error);
    const live = this.live.get(taskId);
    if (!live) return;
    this.rejectInputs(taskId, live, mcpError(ErrorCode.InternalError, `Task ${taskId} failed`));
    this.write(taskId, async () => {
      await this.store.settle(taskId, 'failed', 'Internal error in the task actor', {
        type: 'error',
        error: { code: ErrorCode.InternalError, message: 'Internal error in the task actor' },
      });
    });
    this.retire(taskId, live);
  }

  private rejectInputs(taskId: string, live: LiveTask, error: Error): void {
    const abandoned = [...live.inputs.keys()];
    for (const pending of live.inputs.values()) pending.reject(error);
    live.inputs.clear();
    if (abandoned.length > 0) {
      this.write(taskId, async () => {
        for (const requestId of abandoned) await this.queue.resolve(taskId, requestId);
      });
    }
  }

  /** Forgets the live bookkeeping once the last write of the task is stored. */
  private retire(taskId: string, live: LiveTask): void {
    void live.writes
      .then(() => this.options.cluster?.release(taskId))
      .catch((error: unknown) => this.options.logger.error(`mcp-task-actors: releasing task ${taskId} failed`, error))
      .then(() => {
        if (this.live.get(taskId) === live) this.live.delete(taskId);
        live.end();
      });
  }

  /** Runs store writes of one task in the order its actor decided them. */
  private write(taskId: string, step: (live: LiveTask) => Promise<void>): void {
    const live = this.live.get(taskId);
    if (!live) return;
    live.writes = live.writes.then(() => this.retrying(taskId, () => step(live)));
  }

  /**
   * A store that is briefly away (Redis restarting) must not lose a task's outcome: a failed write
   * is tried again with backoff, for up to a minute, before it is given up and logged.
   */
  private async retrying(taskId: string, step: () => Promise<void>, what = 'storing task'): Promise<void> {
    const started = Date.now();
    // Capped at 500 ms, so a write lands within about a second of Redis coming back (issue 12: a
    // 2 s cap plus the reconnect left a status stale for over 2 s after an outage).
    for (let delay = 50; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        return await step();
      } catch (error) {
        if (Date.now() - started > 60_000 || this.closing) {
          this.options.logger.error(`mcp-task-actors: ${what} ${taskId} failed`, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async notifyStatus(live: LiveTask, record: TaskRecord): Promise<void> {
    await live.spec.session.notify({ method: 'notifications/tasks/status', params: toTask(record) });
  }
}

/** The spec's `Task` for a record: the owner stays private. */
export function toTask(record: TaskRecord) {
  const { owner: _owner, runner: _runner, restart: _restart, ...task } = record;
  return task;
}

function cancelledOutcome(taskId: string, reason: string): TaskOutcome {
  return {
    type: 'error',
    error: { code: ErrorCode.InternalError, message: `Task ${taskId} was cancelled: ${reason}`, data: { taskId, status: 'cancelled' } },
  };
}

function describeSettle(taskId: string, params: SettleParams): { statusMessage?: string; outcome: TaskOutcome } {
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
      const statusMessage =
        params.error instanceof McpError ? errorShape(params.error).message : errorText(params.error);
      return { statusMessage, outcome };
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
