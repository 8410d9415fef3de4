import type { Actor, ActorRefFrom } from 'xstate';
import type { ZodRawShape } from 'zod';
import type { taskSupportMachine } from '../machines/taskSupport.js';
import type { TaskMachine } from '../machines/task.js';
import { InMemoryTaskOutbox } from './backends/InMemoryTaskMessageQueue.js';
import { inMemoryStore } from './backends/inMemoryStore.js';
import { peekOf } from './backends/ownStores.js';
import { guardCalls } from './backends/storeGuard.js';
import type { TaskOutbox } from './backends/TaskMessageQueue.js';
import type { TaskRecordStore } from './backends/TaskStore.js';
import { LiveTaskCounter, MemoryBudget, resolveLimits } from './engine/limits.js';
import { RateLimiter } from './engine/RateLimiter.js';
import { admitCreation } from './engine/admitCreation.js';
import { TaskEngine } from './engine/TaskEngine.js';
import type { TaskSpec } from './engine/TaskSpec.js';
import { WorkSafeguards } from './engine/WorkSafeguards.js';
import { setUpInspection } from './inspect/inspection.js';
import type { InspectionSetup } from './inspect/inspection.js';
import { assertOwnBackends, assertPlacementCluster, positive, promoteAfterOf, taskTimesOf } from './options.js';
import type { TaskPlacement } from './backends/TaskPlacement.js';
import type { TaskSupportOptions } from './options.js';
import { classify, protocolTable } from './protocol/index.js';
import { TASKS_EXTENSION_ID } from './protocol/tasksExtension/wire.js';
import { errorShapeOf } from './sdk/index.js';
import type { AnyServer } from './sdk/index.js';
import { defaultIdentify, isAnonymousCaller, ownerOf, withoutListForAnonymous } from './session/caller.js';
import type { CallerInfo } from './session/caller.js';
import { asksForTasks, listenTasks } from './protocol/tasksExtension/listen.js';
import { taskListenFetch } from './sdk/v2/taskListen.js';
import type { McpFetch, TaskListenOptions } from './sdk/v2/taskListen.js';
import { createDispatcher } from './session/dispatch.js';
import type { ServerSession } from './session/dispatch.js';
import { ServerSessions } from './ServerSessions.js';
import { withSdkErrors } from './withSdkErrors.js';
import type { RequestHandler, TaskMethod } from './session/ServerHost.js';
import { listTools, TaskToolDefinition } from './session/toolRegistry.js';
import type { RegisteredTaskTool, TaskToolConfig, TaskToolWork } from './session/toolRegistry.js';
import { taskRun, toolArguments } from './session/toolCall.js';
import { taskToolHandle } from './session/taskToolHandle.js';
import type { ServerHost } from './session/ServerHost.js';
import { safeLogger } from './safeLogger.js';
import { timerOption } from './timerBounds.js';

export type { TaskSupportOptions } from './options.js';
export type { AnyServer } from './sdk/index.js';

/**
 * Durable, long-running MCP tasks for `@modelcontextprotocol/sdk` servers, each task a live XState
 * actor under one root actor. One instance serves every session of a server process.
 *
 * @example
 * ```ts
 * const tasks = TaskSupport.inMemory();
 * tasks.registerTool(server, 'countdown', { taskSupport: 'optional', inputSchema: { seconds: z.number() } },
 *   async ({ seconds }, task) => {
 *     for (let left = seconds; left > 0; left--) {
 *       await task.status(`${left} s left`);
 *       await sleep(1000, task.signal);
 *     }
 *     return { content: [{ type: 'text', text: 'done' }] };
 *   });
 * tasks.enable(server);           // before server.connect(transport)
 * ```
 *
 * The facade: each public method hands off to the engine, a protocol, an SDK adapter or the
 * per-server sessions (ServerSessions.ts).
 */
export class TaskSupport {
  /** The task records and results. */
  readonly store: TaskRecordStore;
  /** Messages waiting for `tasks/result`. */
  readonly queue: TaskOutbox;
  private readonly engine: TaskEngine;
  /** Per SDK server (and its McpServer, if any): its host, tools and router. */
  private readonly sessions: ServerSessions;
  private readonly dispatch: (server: ServerSession, method: TaskMethod) => RequestHandler;
  private readonly tasksExtension: boolean;
  /**
   * Task tools by name (first registration wins), for work without a session: takeover, worker jobs.
   * With the SDK line's output error text, not the host: that would keep the first session's server.
   */
  private readonly tools = new Map<string, { tool: TaskToolDefinition; outputErrorText: ServerHost['outputErrorText'] }>();
  private readonly placement: TaskPlacement | undefined;
  private readonly inspection: InspectionSetup;
  private readonly safeguards: WorkSafeguards;
  private readonly liveTasks: LiveTaskCounter;
  private readonly memoryBudget: MemoryBudget;
  private readonly creationRate: RateLimiter;
  /** The bucket every `tasks/*` request takes from; a task subscription takes from it too. */
  private readonly operationRate: RateLimiter;
  private readonly maxListensPerCaller: number;

  /** A TaskSupport with the in-memory store and queue (the Python SDK's `TaskSupport.in_memory()`). */
  static inMemory(options: Omit<TaskSupportOptions, 'store' | 'queue'> = {}): TaskSupport {
    return new TaskSupport(options);
  }

  constructor(options: TaskSupportOptions = {}) {
    assertOwnBackends(options);
    assertPlacementCluster(options);
    this.store = options.store ?? inMemoryStore();
    this.queue = options.queue ?? new InMemoryTaskOutbox();
    const pageSize = positive(options.pageSize ?? 10, 'pageSize');
    const logger = safeLogger(options.logger ?? console);
    const limits = resolveLimits(options.limits ?? {});
    this.liveTasks = new LiveTaskCounter(limits);
    this.memoryBudget = new MemoryBudget(limits.memoryBudget);
    this.creationRate = new RateLimiter('taskCreationRate', limits.taskCreationRate);
    const operationRate = new RateLimiter('taskOperationRate', limits.taskOperationRate);
    this.operationRate = operationRate;
    this.maxListensPerCaller = limits.maxListensPerCaller;
    this.safeguards = new WorkSafeguards(limits, withSdkErrors(options.mapError), logger);
    const guard = { timeoutMs: timerOption('storeTimeout', options.storeTimeout ?? 5000) ?? Infinity, logger };
    // The in-memory store and queue made here answer synchronously and throw only errors meant for
    // the client: a deadline timer and a promise per call would guard against nothing (issue 14).
    const store = options.store ? guardCalls(this.store, { component: 'store', ...guard }) : this.store;
    const queue = options.queue ? guardCalls(this.queue, { component: 'queue', ...guard }) : this.queue;
    const { maxTtl, minTtl, defaultTtl, pollInterval } = taskTimesOf(options, limits.minPollInterval);
    this.tasksExtension = options.tasksExtension !== false;
    const promoteAfter = this.tasksExtension ? promoteAfterOf(options.promoteAfter) : 0;
    // Last of the checks: `inspect: true` starts a relay, which a later RangeError would leave running.
    this.inspection = setUpInspection(options.inspect, options.sanitize, logger, options.inspectPort);
    this.engine = new TaskEngine(store, queue, {
      defaultTtl,
      maxTtl,
      minTtl,
      pollInterval,
      maxQueuedNotifications: limits.maxQueuedNotifications,
      admit: admitCreation(this.creationRate, this.memoryBudget, this.liveTasks),
      release: (owner) => this.liveTasks.release(owner),
      adopt: (owner) => this.liveTasks.adopt(owner),
      logger,
      // A store of its own cannot stall: no cancel deadline, no timer per cancel (issue 14).
      ...(options.store ? { storeTimeout: guard.timeoutMs } : {}),
      ...(options.cluster ? { cluster: options.cluster } : {}),
      restartWork: (tool, args) => (this.tools.get(tool)?.tool.restartable ? this.workOf(tool, args) : undefined),
      ...(options.placement
        ? { placement: options.placement, jobWork: (tool: string, args: unknown) => this.workOf(tool, args, true) }
        : {}),
      ...(this.inspection.observer ? { inspect: this.inspection.observer } : {}),
      // Only a store this library made (ownStores.ts): any other is read through its own methods.
      peekEnded: peekOf(this.store),
    });
    this.placement = options.placement;
    const identify = options.identify ?? defaultIdentify;
    const policy = options.unidentifiedCallers ?? 'auto';
    this.dispatch = createDispatcher({
      table: protocolTable({
        engine: this.engine,
        pageSize,
        promoteAfter,
        safeguards: this.safeguards,
        statelessClientCapabilities: options.statelessClientCapabilities,
      }),
      classify,
      extensionEnabled: this.tasksExtension,
      operationRate,
      ownerOf: (request, server) => ownerOf(request.caller, server.router.connection?.id ?? 'unconnected', policy, identify),
    });
    this.policy = policy;
    this.identify = identify;
    this.logger = logger;
    this.sessions = new ServerSessions(this.engine, (caller, id) => ownerOf(caller, id, policy, identify));
  }

  private readonly policy: NonNullable<TaskSupportOptions['unidentifiedCallers']>;
  private readonly identify: NonNullable<TaskSupportOptions['identify']>;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private readonly logger: Pick<Console, 'error'>;

  /** The root actor (machine `taskSupport`): running → closing → closed. */
  get actor(): Actor<typeof taskSupportMachine> {
    return this.engine.actor;
  }

  /**
   * The live actor of a task this process runs (machine `task`), or `undefined` when the task
   * ended, never ran here, or runs on another instance. For inspection and tests: send events to
   * tasks through the protocol, not to this actor.
   */
  taskActor(taskId: string): ActorRefFrom<TaskMachine> | undefined {
    return this.engine.taskActor(taskId);
  }

  /** Task actors alive right now, counted in the actor system's supervisor. */
  get liveTaskActors(): number {
    return this.engine.liveActorCount;
  }

  /**
   * Registers a tool whose calls can run as tasks, and turns tasks on for `server` (see
   * {@link TaskSupport.enable}), so a forgotten `enable` cannot leave a task tool that advertises
   * task support on a server that cannot serve tasks. Call it before `server.connect`.
   * `required` tools answer -32601 when called without `task`; `optional` ones then run inline.
   * A name already used by a tool of the server's own API throws, as the SDK does for duplicates;
   * so does, afterwards, the server's own `registerTool` with a task tool's name. Returns a handle
   * like the SDK's `RegisteredTool` (`enable`, `disable`, `update`, `remove`), each change announced
   * with `notifications/tools/list_changed`.
   */
  registerTool<Shape extends ZodRawShape>(
    server: AnyServer,
    name: string,
    config: TaskToolConfig<Shape>,
    work: TaskToolWork<Shape>,
  ): RegisteredTaskTool<Shape> {
    const session = this.sessions.of(server);
    const assertFree = (candidate: string): void => {
      if (session.tools.has(candidate)) throw new Error(`Task tool ${candidate} is already registered on this server`);
      if (session.host.hasOwnTool(candidate)) throw new Error(`Tool ${candidate} is already registered (by the server's own registerTool)`);
    };
    assertFree(name);
    const tool = new TaskToolDefinition(name, config as TaskToolConfig<ZodRawShape>, work as TaskToolWork<ZodRawShape>);
    session.tools.set(name, tool);
    if (!this.tools.has(name)) {
      this.tools.set(name, { tool, outputErrorText: session.host.outputErrorText });
      // A worker takes the jobs of every task tool registered on it.
      if (this.placement?.role === 'worker') this.placement.serve(name, this.engine.jobHandlers());
    }
    this.enable(server);
    // As McpServer.registerTool: a tool added to a connected server is announced.
    session.host.sendToolListChanged();
    return taskToolHandle<Shape>(tool, {
      tools: session.tools,
      assertFree,
      renamed: (renamedTool, from, to) => {
        if (this.tools.get(from)?.tool !== renamedTool) return;
        this.tools.delete(from);
        if (to !== null && !this.tools.has(to)) {
          this.tools.set(to, { tool: renamedTool, outputErrorText: session.host.outputErrorText });
          if (this.placement?.role === 'worker') this.placement.serve(to, this.engine.jobHandlers());
        }
      },
      listChanged: () => session.host.sendToolListChanged(),
    });
  }

  /**
   * Turns tasks on for a server: declares the `tasks` capability (and the tasks extension's),
   * serves the `tasks/*` methods and routes the client's answers. `registerTool` calls it, so it
   * is needed only on a server without task tools that should still serve `tasks/*`; calling it
   * again does nothing. Before `connect`.
   */
  enable(server: AnyServer): void {
    const session = this.sessions.of(server);
    if (session.enabled) return;
    session.enabled = true;
    const { host } = session;
    // Capabilities first: the SDK refuses a tasks/* handler on a server that does not declare tasks.
    host.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });
    if (this.tasksExtension) host.registerCapabilities({ extensions: { [TASKS_EXTENSION_ID]: {} } });
    const methods: TaskMethod[] = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel'];
    // Without the extension, tasks/update stays the SDK's own -32601.
    if (this.tasksExtension) methods.push('tasks/update');
    for (const method of methods) host.handle(method, this.dispatch(session, method));
    this.serveTools(session);
    host.transformInitialize((result, caller) => withoutListForAnonymous(result, isAnonymousCaller(this.policy, caller)));
    host.listen(session.router);
  }

  /** A registered task tool's work for `args` (validated again), outside any session. */
  private workOf(tool: string, args: unknown, job = false): TaskSpec['run'] | undefined {
    const registered = this.tools.get(tool);
    if (!registered) return undefined;
    // A job this worker's version of the tool refuses: -32602 as a call in process gets (it throws).
    const parsed = job ? { success: true as const, data: toolArguments(registered.tool, tool, args) } : registered.tool.parse(args);
    if (!parsed.success) return undefined;
    // No request here: the call that started the task reached another instance (a dead one, or a front).
    return taskRun(this.safeguards, registered, registered.tool, parsed.data, undefined);
  }

  /**
   * Stops every task actor: unfinished tasks end `failed` ("Server shut down before the task
   * finished"), stored before this resolves, and no timer or listener is left behind. Calls running
   * inline are answered -32603 "Server is shutting down…" at once and their work's `signal` aborts:
   * close this before the transports (the HTTP host), so those answers go out.
   */
  close(): Promise<void> {
    // One close for every caller (a SIGINT, then a SIGTERM): each resolves once all is stored.
    return (this.closed ??= this.closeOnce());
  }

  private async closeOnce(): Promise<void> {
    this.closing.abort();
    // Inline calls first: answered with the shutdown error while their streams are still open.
    const inlineEnded = this.safeguards.inline.close();
    // A worker stops taking jobs first (its running tasks then end as on any shutdown); a front
    // closes its engine first, which waits for the creates in flight, so their jobs reach the pool.
    const front = this.placement?.role === 'front';
    if (!front) await this.placement?.close();
    await this.engine.close();
    if (front) await this.placement?.close();
    await Promise.all([this.inspection.stop(), inlineEnded]);
  }

  /**
   * Serves `subscriptions/listen` with `notifications.taskIds` (the tasks extension, 2026-07-28) in
   * front of an SDK v2 fetch entry point, which answers every other listen itself but drops `taskIds`:
   * the caller gets `notifications/tasks`, a full DetailedTask per status change of each of its tasks
   * (progress and log notifications never go on that stream); -32021 if the request does not declare
   * the extension. Everything else is passed to `fetch` untouched. Give `createMcpHandler`'s
   * `maxRequestBodySize`, if you set one, in `options`: a listen body is read here first (default 4 MiB, v2's).
   * @example
   * const handler = createMcpHandler(() => { const server = new McpServer(info); tasks.enable(server); return server; });
   * const fetch = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
   */
  withTaskSubscriptions<O extends { authInfo?: CallerInfo['authInfo'] } | undefined>(
    fetch: McpFetch<O>,
    options: TaskListenOptions = {},
  ): McpFetch<O> {
    return taskListenFetch(
      fetch,
      {
        asksForTasks,
        listen: async ({ params, authInfo }, emit, signal) => {
          const route = classify(params, this.tasksExtension);
          const owner = ownerOf({ overHttp: true, ...(authInfo ? { authInfo } : {}) }, 'subscriptions/listen', this.policy, this.identify);
          const declared = route.protocol === 'tasksExtension' && route.declared === true;
          const { operationRate } = this;
          const request = {
            owner,
            declared,
            params,
            maxListens: this.maxListensPerCaller,
            ...(operationRate.enabled ? { admit: () => operationRate.take(owner, 'task requests') } : {}),
          };
          return listenTasks(this.engine, request, emit, signal, (error) =>
            this.logger.error('mcp-task-actors: a task subscription failed', error),
          );
        },
        errorShape: (error) => errorShapeOf(error) ?? { code: -32603, message: 'Internal error' },
        closed: this.closing.signal,
      },
      options,
    );
  }

  /** tools/call through the dispatcher, tools/list with the task tools on the last page; once per server. */
  private serveTools(session: ServerSession): void {
    if (session.toolsServed) return;
    session.toolsServed = true;
    session.host.handle('tools/call', this.dispatch(session, 'tools/call'));
    session.host.handle('tools/list', (request) => listTools(session.host, session.tools, request));
  }
}
