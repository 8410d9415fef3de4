import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Actor } from 'xstate';
import type { ZodRawShape } from 'zod';
import type { taskSupportMachine } from '../machines/taskSupport.js';
import { ANONYMOUS_OWNER, hideListFromAnonymous, isAnonymousCaller } from './session/caller.js';
import type { UnidentifiedCallers } from './session/caller.js';
import type { ErrorMapper } from './engine/errorMapping.js';
import { defaultIdentify } from './session/identity.js';
import type { CallerInfo } from './session/identity.js';
import { InMemoryTaskMessageQueue } from './backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskStore } from './backends/InMemoryTaskStore.js';
import { LiveTaskCounter, MemoryBudget, resolveLimits } from './engine/limits.js';
import type { TaskLimits } from './engine/limits.js';
import { setUpInspection } from './inspect/inspection.js';
import type { InspectionObserver, InspectionSanitizer, InspectionSetup } from './inspect/inspection.js';
import { registerTaskMethods } from './protocol/rev2025-11-25/handlers.js';
import { registerTasksExtension, tasksExtensionSettings } from './protocol/tasksExtension/handlers.js';
import type { TasksExtensionSettings } from './protocol/tasksExtension/handlers.js';
import { ServerBinding } from './session/ServerBinding.js';
import type { ServerExtra } from './session/ServerBinding.js';
import { routeTransport } from './session/SessionRouter.js';
import { guardCalls } from './backends/storeGuard.js';
import { TaskEngine } from './engine/TaskEngine.js';
import type { TaskCluster } from './backends/TaskCluster.js';
import type { TaskMessageQueue } from './backends/TaskMessageQueue.js';
import { TaskResultHandler } from './protocol/rev2025-11-25/TaskResultHandler.js';
import type { TaskStore } from './backends/TaskStore.js';
import { defineTaskTool } from './session/toolRegistry.js';
import type { RegisteredTaskTool } from './session/toolRegistry.js';
import type { TaskToolConfig, TaskToolWork } from './session/toolRegistry.js';
import { installToolHandlers } from './protocol/rev2025-11-25/toolCall.js';
import { WorkSafeguards } from './engine/WorkSafeguards.js';
import { mcpServerHasTool } from './sdk/v1/internals.js';
import { RateLimiter } from './engine/RateLimiter.js';
import { limitTaskOperations } from './session/taskOperationRate.js';

/** Options of {@link TaskSupport}; every field has a default. */
export interface TaskSupportOptions {
  /** Where records and results live. Default: a new {@link InMemoryTaskStore}. */
  store?: TaskStore;
  /** Where messages for `tasks/result` wait. Default: a new {@link InMemoryTaskMessageQueue}. */
  queue?: TaskMessageQueue;
  /** ttl (ms) granted when the client asks for none. Default 1 hour. */
  defaultTtl?: number;
  /** Largest ttl (ms) granted; larger requests get this. Default 24 hours. */
  maxTtl?: number;
  /**
   * Smallest ttl (ms) granted; smaller requests (`ttl: 0` included) get this, and the granted ttl
   * is what `CreateTaskResult` and `tasks/get` report. Default 1000: a task never vanishes before
   * a client polling at the default `pollInterval` could see it once.
   */
  minTtl?: number;
  /** `pollInterval` (ms) suggested to clients. Default 1000. */
  pollInterval?: number;
  /** `tasks/list` page size. Default 10, like both reference SDKs. */
  pageSize?: number;
  /** Who a request's caller is, for binding tasks to it. Default: auth principal, else session, else connection. */
  identify?: (caller: CallerInfo) => string;
  /**
   * An XState inspection observer: the root actor and every task actor report to it, through
   * `sanitize`. `true` starts the Stately inspector relay on `inspectPort` (Node only; needs
   * `@statelyai/inspect`), logs the page to open and stops it on `close()`; if the relay cannot
   * start (e.g. the port is taken) a warning names the address and the server serves on without
   * it. Off (the default) costs nothing: no observer, no serialisation.
   */
  inspect?: InspectionObserver | true;
  /** Port of the Stately relay that `inspect: true` starts (loopback only). Default 8080; 0 picks a free one. */
  inspectPort?: number;
  /**
   * What the inspector may see. Default: actor, event and snapshot events only, with tool results,
   * client answers and errors redacted to their shape and size. `false` passes XState's raw events.
   */
  sanitize?: InspectionSanitizer | false;
  /** Where warnings (e.g. an answer nobody waits for) go. Default: `console`. */
  logger?: Pick<Console, 'warn' | 'error'>;
  /**
   * Live tasks per caller and per server, memory budget, rates of task creation and `tasks/*`
   * requests, input requests and notifications per task, result size, pollInterval floor. See `docs/limits.md`.
   */
  limits?: TaskLimits;
  /**
   * Longest a store or queue call may take (ms) before the request or task step that made it
   * fails with -32603; `Infinity` waits forever. Default 5000. Backend errors never reach clients:
   * they are logged and answered with a generic -32603.
   */
  storeTimeout?: number;
  /** Maps what a tool's work throws before any client sees it (e.g. hide internal messages). Default: the message as is. */
  mapError?: ErrorMapper;
  /**
   * Callers with neither a session nor an auth context (stateless HTTP): `'auto'` (default) makes
   * them anonymous over HTTP — task ids become the only capability and `tasks/list` is not
   * advertised — and binds stdio/in-memory callers to their connection. See `docs/security.md`.
   */
  unidentifiedCallers?: UnidentifiedCallers;
  /**
   * Shares tasks between server instances (e.g. `createRedisTaskBackend(...).cluster` from
   * `mcp-task-actors/redis`): any instance serves any task, dead instances' tasks are taken over.
   */
  cluster?: TaskCluster;
  /**
   * Also speak the tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) to requests that
   * carry per-request client capabilities (2026-style clients). Default true. See `docs/protocols.md`.
   */
  tasksExtension?: boolean;
  /** For extension clients: ms an `optional` tool runs inline before its call is answered with a task. Default 1000. */
  promoteAfter?: number;
}

/** A low-level SDK `Server` or an `McpServer`. */
export type AnyServer = Server | McpServer;

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
 */
export class TaskSupport {
  /** The task records and results. */
  readonly store: TaskStore;
  /** Messages waiting for `tasks/result`. */
  readonly queue: TaskMessageQueue;
  /** Serves `tasks/result`. */
  readonly resultHandler: TaskResultHandler;
  private readonly engine: TaskEngine;
  private readonly bindings = new WeakMap<object, ServerBinding>();
  private readonly identify: (caller: CallerInfo) => string;
  private readonly pageSize: number;
  /** Restartable tools by name, for taking over tasks of a dead instance (no session needed). */
  private readonly restartable = new Map<string, RegisteredTaskTool>();
  private readonly inspection: InspectionSetup;
  private readonly safeguards: WorkSafeguards;
  private readonly liveTasks: LiveTaskCounter;
  private readonly memoryBudget: MemoryBudget;
  private readonly creationRate: RateLimiter;
  private readonly operationRate: RateLimiter;
  private readonly unidentifiedCallers: UnidentifiedCallers;
  private readonly tasksExtension: TasksExtensionSettings | undefined;

  /** A TaskSupport with the in-memory store and queue (the Python SDK's `TaskSupport.in_memory()`). */
  static inMemory(options: Omit<TaskSupportOptions, 'store' | 'queue'> = {}): TaskSupport {
    return new TaskSupport(options);
  }

  constructor(options: TaskSupportOptions = {}) {
    this.store = options.store ?? new InMemoryTaskStore();
    this.queue = options.queue ?? new InMemoryTaskMessageQueue();
    this.identify = options.identify ?? defaultIdentify;
    this.pageSize = positive(options.pageSize ?? 10, 'pageSize');
    const logger = options.logger ?? console;
    this.inspection = setUpInspection(options.inspect, options.sanitize, logger, options.inspectPort);
    const limits = resolveLimits(options.limits ?? {});
    this.liveTasks = new LiveTaskCounter(limits);
    this.memoryBudget = new MemoryBudget(limits.memoryBudget);
    this.creationRate = new RateLimiter('taskCreationRate', limits.taskCreationRate);
    this.operationRate = new RateLimiter('taskOperationRate', limits.taskOperationRate);
    this.safeguards = new WorkSafeguards(limits, options.mapError, logger);
    this.unidentifiedCallers = options.unidentifiedCallers ?? 'auto';
    const storeTimeout = options.storeTimeout ?? 5000;
    if (!(storeTimeout > 0)) throw new RangeError(`storeTimeout must be a positive number of ms, got ${storeTimeout}`);
    const guard = { timeoutMs: storeTimeout, logger };
    const store = guardCalls(this.store, { component: 'store', ...guard });
    const queue = guardCalls(this.queue, { component: 'queue', ...guard });
    const maxTtl = positive(options.maxTtl ?? 86_400_000, 'maxTtl');
    const minTtl = options.minTtl ?? 1000;
    if (!(minTtl >= 0 && minTtl <= maxTtl)) throw new RangeError(`minTtl must be a number of ms from 0 to maxTtl (${maxTtl}), got ${minTtl}`);
    this.engine = new TaskEngine(store, queue, {
      defaultTtl: positive(options.defaultTtl ?? 3_600_000, 'defaultTtl'),
      maxTtl,
      minTtl,
      pollInterval: Math.max(positive(options.pollInterval ?? 1000, 'pollInterval'), limits.minPollInterval),
      maxQueuedNotifications: limits.maxQueuedNotifications,
      // Cheapest refusal first; the live-task count goes last, as it takes a slot when it admits.
      admit: (owner) => {
        this.creationRate.take(owner, 'task creations');
        this.memoryBudget.check();
        return this.liveTasks.admit(owner);
      },
      logger,
      ...(options.cluster ? { cluster: options.cluster } : {}),
      restartWork: (tool, args) => {
        const registered = this.restartable.get(tool);
        const parsed = registered?.parse(args);
        if (!registered || !parsed?.success) return undefined;
        return (task) => this.safeguards.runTask(tool, task, (t) => registered.run(parsed.data, t));
      },
      ...(this.inspection.observer ? { inspect: this.inspection.observer } : {}),
    });
    this.resultHandler = new TaskResultHandler(this.engine);
    this.tasksExtension =
      options.tasksExtension === false
        ? undefined
        : tasksExtensionSettings(options.promoteAfter, (tool, task, work) => this.safeguards.runTask(tool, task, work));
  }

  /** The root actor (machine `taskSupport`): running → closing → closed. */
  get actor(): Actor<typeof taskSupportMachine> {
    return this.engine.actor;
  }

  /** Task actors alive right now, counted in the actor system's supervisor. */
  get liveTaskActors(): number {
    return this.engine.liveActorCount;
  }

  /**
   * Registers a tool whose calls can run as tasks. Call it before `server.connect`.
   * `required` tools answer -32601 when called without `task`; `optional` ones then run inline.
   */
  registerTool<Shape extends ZodRawShape>(
    server: AnyServer,
    name: string,
    config: TaskToolConfig<Shape>,
    work: TaskToolWork<Shape>,
  ): void {
    const binding = this.bindingOf(server);
    if (binding.tools.has(name)) throw new Error(`Task tool ${name} is already registered on this server`);
    if (binding.mcpServer && mcpServerHasTool(binding.mcpServer, name)) {
      throw new Error(`Tool ${name} is already registered on this McpServer`);
    }
    const tool = defineTaskTool(name, config, work);
    binding.tools.set(name, tool);
    if (tool.restartable && !this.restartable.has(name)) this.restartable.set(name, tool);
    installToolHandlers(binding, this.engine, this.ownerOf(binding), this.safeguards);
  }

  /**
   * Turns tasks on for a server: declares the `tasks` capability, installs the `tasks/*` handlers
   * and the session router. Call it on every per-session server before `connect`.
   */
  enable(server: AnyServer): void {
    const binding = this.bindingOf(server);
    if (binding.enabled) return;
    binding.enabled = true;
    const ownerOf = this.ownerOf(binding);
    registerTaskMethods(binding, this.engine, this.resultHandler, ownerOf, this.pageSize);
    installToolHandlers(binding, this.engine, ownerOf, this.safeguards);
    hideListFromAnonymous(binding.server, (extra) => isAnonymousCaller(this.unidentifiedCallers, extra));
    if (this.tasksExtension) registerTasksExtension(binding, this.engine, ownerOf, this.tasksExtension);
    limitTaskOperations(binding.server, ownerOf, this.operationRate);
    const low = binding.server;
    const connect = low.connect.bind(low);
    low.connect = (transport: Transport) => {
      const routed = routeTransport(transport, (_connection, taskId, response) => {
        const requestId = String(response.id);
        if ('error' in response) this.engine.answer(taskId, requestId, { error: response.error });
        else this.engine.answer(taskId, requestId, { result: response.result });
      });
      binding.connection = routed.connection;
      return connect(routed.transport);
    };
  }

  /**
   * Stops every task actor: unfinished tasks end `failed` ("Server shut down before the task
   * finished"), stored before this resolves, and no timer or listener is left behind.
   */
  async close(): Promise<void> {
    await this.engine.close();
    await this.inspection.stop();
  }

  private bindingOf(server: AnyServer): ServerBinding {
    let binding = this.bindings.get(server);
    if (!binding) {
      binding = server instanceof McpServer ? new ServerBinding(server.server, server) : new ServerBinding(server, undefined);
      this.bindings.set(server, binding);
      this.bindings.set(binding.server, binding);
    }
    return binding;
  }

  private ownerOf(binding: ServerBinding): (extra: ServerExtra) => string {
    return (extra) =>
      isAnonymousCaller(this.unidentifiedCallers, extra) ? ANONYMOUS_OWNER : this.identify({
        connectionId: binding.connection?.id ?? 'unconnected',
        ...(extra.sessionId === undefined ? {} : { sessionId: extra.sessionId }),
        ...(extra.authInfo === undefined ? {} : { authInfo: extra.authInfo }),
      });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}
