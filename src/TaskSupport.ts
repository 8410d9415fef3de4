import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Actor, InspectionEvent, Observer } from 'xstate';
import type { ZodRawShape } from 'zod';
import type { taskSupportMachine } from '../machines/taskSupport.js';
import { defaultIdentify } from './identity.js';
import type { CallerInfo } from './identity.js';
import { InMemoryTaskMessageQueue } from './InMemoryTaskMessageQueue.js';
import { InMemoryTaskStore } from './InMemoryTaskStore.js';
import { registerTaskMethods } from './protocol20251125.js';
import { ServerBinding } from './ServerBinding.js';
import type { ServerExtra } from './ServerBinding.js';
import { routeTransport } from './SessionRouter.js';
import { TaskEngine } from './TaskEngine.js';
import type { TaskMessageQueue } from './TaskMessageQueue.js';
import { TaskResultHandler } from './TaskResultHandler.js';
import type { TaskStore } from './TaskStore.js';
import { defineTaskTool } from './taskTools.js';
import type { TaskToolConfig, TaskToolWork } from './taskTools.js';
import { installToolHandlers } from './toolHandlers.js';

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
  /** `pollInterval` (ms) suggested to clients. Default 1000. */
  pollInterval?: number;
  /** `tasks/list` page size. Default 10, like both reference SDKs. */
  pageSize?: number;
  /** Who a request's caller is, for binding tasks to it. Default: auth principal, else session, else connection. */
  identify?: (caller: CallerInfo) => string;
  /** An XState inspection observer: the root actor and every task actor report to it. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Where warnings (e.g. an answer nobody waits for) go. Default: `console`. */
  logger?: Pick<Console, 'warn' | 'error'>;
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

  /** A TaskSupport with the in-memory store and queue (the Python SDK's `TaskSupport.in_memory()`). */
  static inMemory(options: Omit<TaskSupportOptions, 'store' | 'queue'> = {}): TaskSupport {
    return new TaskSupport(options);
  }

  constructor(options: TaskSupportOptions = {}) {
    this.store = options.store ?? new InMemoryTaskStore();
    this.queue = options.queue ?? new InMemoryTaskMessageQueue();
    this.identify = options.identify ?? defaultIdentify;
    this.pageSize = positive(options.pageSize ?? 10, 'pageSize');
    this.engine = new TaskEngine(this.store, this.queue, {
      defaultTtl: positive(options.defaultTtl ?? 3_600_000, 'defaultTtl'),
      maxTtl: positive(options.maxTtl ?? 86_400_000, 'maxTtl'),
      pollInterval: positive(options.pollInterval ?? 1000, 'pollInterval'),
      logger: options.logger ?? console,
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.resultHandler = new TaskResultHandler(this.engine);
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
    if (binding.mcpServer && hasMcpTool(binding.mcpServer, name)) {
      throw new Error(`Tool ${name} is already registered on this McpServer`);
    }
    binding.tools.set(name, defineTaskTool(name, config, work));
    installToolHandlers(binding, this.engine, this.ownerOf(binding));
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
    installToolHandlers(binding, this.engine, ownerOf);
    const low = binding.server;
    const connect = low.connect.bind(low);
    low.connect = (transport: Transport) => {
      const routed = routeTransport(transport, (_connection, taskId, response) => {
        const requestId = String(response.id);
        if ('error' in response) this.engine.deliverAnswer(taskId, requestId, { error: response.error });
        else this.engine.deliverAnswer(taskId, requestId, { result: response.result });
      });
      binding.connection = routed.connection;
      return connect(routed.transport);
    };
  }

  /**
   * Stops every task actor: unfinished tasks end `failed` ("Server shut down before the task
   * finished"), stored before this resolves, and no timer or listener is left behind.
   */
  close(): Promise<void> {
    return this.engine.close();
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
      this.identify({
        connectionId: binding.connection?.id ?? 'unconnected',
        ...(extra.sessionId === undefined ? {} : { sessionId: extra.sessionId }),
        ...(extra.authInfo === undefined ? {} : { authInfo: extra.authInfo }),
      });
  }
}

function hasMcpTool(server: McpServer, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(
    (server as unknown as { _registeredTools: Record<string, unknown> })._registeredTools,
    name,
  );
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}
