import type { ClientCapabilities, JSONRPCNotification, RequestId, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedMessage, QueuedRequest } from '../backends/TaskMessageQueue.js';
import type { ClientTaskSnapshot } from '../../machines/clientTask.js';
import type { ClientChannel } from '../engine/ClientTasks.js';
import { isFollowedClientTask } from '../engine/followedClientTasks.js';
import type { TaskEngine } from '../engine/TaskEngine.js';
import type { InlineClientTasks } from '../engine/workContext.js';
import { TaskSchema } from '../wire.js';
import type { Answer } from '../types.js';
import { isUnavailable } from '../backends/storeGuard.js';
import { taskIdOfRequest } from '../engine/requestIds.js';
import type { ClientResponse, ConnectionListener, ConnectionPort, RequestCaller, ServerHost } from './ServerHost.js';
import { TrackedRequests } from './TrackedRequests.js';
import { answerOf } from './answerOf.js';
import { closedConnection } from './closedConnection.js';
import { StreamReach } from './StreamReach.js';
import { notCarried } from '../engine/streamGap.js';
import { cancelClientTask } from '../engine/cancelClientTask.js';

/** The fewest tracked requests on a connection at which a delivery looks for settled ones (SessionRouter.sweep). */
const SWEEP_FROM = 64;

/**
 * The session router of one server (one session on Streamable HTTP): knows its current
 * connection, sends a task's messages on it, tracks the requests it delivered on each connection,
 * and turns each client response to one of them into one `Answer` for the task's actor. Only ids
 * sent on that very connection are routed, so another session cannot answer for it.
 */
export class SessionRouter implements ConnectionListener {
  private current: ConnectionPort | undefined;
  /** The task requests delivered on this session's connections (TrackedRequests.ts); made on first use. */
  private tracked: TrackedRequests | undefined;

  /** The server's host, held while the server may still connect or is connected (see {@link closed}). */
  private host: ServerHost | undefined;
  /**
   * The host, weakly. A task outlives its session and keeps this router (its TaskSession does);
   * after the session's connection closed, that must not keep the session's server (about 90 KB
   * with its transport) for the task's whole life. The host is gone only once the server is, and
   * then no connection can open on it again.
   */
  private readonly hostRef: WeakRef<ServerHost>;
  /** Whether the SDK line can send requests to the client outside a call (fixed per line). */
  private readonly canRequest: boolean;
  /** The client's capabilities when the last connection closed (what a task still asks by). */
  private capabilitiesAtClose: ClientCapabilities | undefined;
  /** Follows waiting for the standalone stream to open again (StreamReach.ts). */
  private readonly reach = new StreamReach();

  constructor(
    private readonly engine: TaskEngine,
    host: ServerHost,
    /** The owner id of a caller (caller.ts ownerOf under the server's policy and `identify`). */
    private readonly ownerOf: (caller: RequestCaller, connectionId: string) => string,
  ) {
    this.host = host;
    this.hostRef = new WeakRef(host);
    this.canRequest = host.request !== undefined;
  }

  /** The host if the server is still there. */
  private liveHost(): ServerHost | undefined {
    return this.host ?? this.hostRef.deref();
  }

  /** The server's latest connection (undefined before connect; it may be closed). */
  get connection(): ConnectionPort | undefined {
    return this.current;
  }

  opened(connection: ConnectionPort): void {
    this.current = connection;
    this.reach.follow(connection);
    // The host is the one calling: its server is alive, and connected again.
    this.host ??= this.hostRef.deref();
  }

  response(connection: ConnectionPort, response: ClientResponse, caller?: RequestCaller): boolean {
    const found = this.tracked?.answered(connection, response.id);
    const answer = answerOf(response);
    if (found && !found.awaited) this.withdrawn(answer);
    // Task request ids are strings (engine: `mta-…`); a numeric id is the SDK's own request.
    if (!found || typeof response.id !== 'string') return this.statelessAnswer(connection, response.id, answer, caller);
    this.tracked!.untrack(connection, response.id);
    this.engine.answer(found.taskId, response.id, answer);
    return true;
  }

  /**
   * An answer POSTed over HTTP without a session (stateless serving): it arrives on a connection
   * of its own, maybe at another instance than the one that asked, so no connection tracked it.
   * Its id names the task (engine/requestIds.ts); it reaches the task only when its caller owns
   * the task (the authenticated principal, or anonymous for an anonymous task, whose id is then
   * the capability). Any other answer is dropped exactly like one to an unknown id: the POST got
   * its 202 before anything was looked up, so the sender learns nothing either way.
   */
  private statelessAnswer(connection: ConnectionPort, requestId: unknown, answer: Answer, caller: RequestCaller | undefined): boolean {
    if (!caller?.overHttp || caller.sessionId !== undefined) return false;
    const taskId = taskIdOfRequest(requestId);
    if (taskId === undefined) return false;
    const owner = this.ownerOf(caller, connection.id);
    const { logger } = this.engine.options;
    // get() throws the same "not found" for another owner's task and for an unknown one.
    void this.engine.get(taskId, owner).then(
      () => this.engine.answer(taskId, requestId as string, answer),
      (error: unknown) => {
        if (isUnavailable(error))
          logger.error(`mcp-task-actors: could not check the answer to ${String(requestId)}: the task store is unavailable`);
        else logger.warn(`mcp-task-actors: dropped an answer to ${String(requestId)}: no task of this caller asked it`);
      },
    );
    return true;
  }

  /**
   * A late answer to a request its task stopped waiting for. When it is a CreateTaskResult (the
   * request was task-augmented, `elicitAsTask`), the client made a task nobody will follow: it is
   * told so with `tasks/cancel` when it declared that, as a follow withdrawn while its request was
   * in flight does (ClientTasks.ts), waiting out a gap in the standalone stream as it does (the
   * session's close and the engine's end the wait); else the client's task (an open dialog, say)
   * would run to its ttl. Not when a follow of this session follows that id, on arrival or at the
   * send: the id is that request's task, which the cancel would end under it (its follow refuses the
   * id for any other request).
   */
  private withdrawn(answer: Answer): void {
    const taskId = 'result' in answer ? (answer.result as { task?: { taskId?: unknown } } | undefined)?.task?.taskId : undefined;
    if (typeof taskId !== 'string' || this.clientCapabilities()?.tasks?.cancel === undefined) return;
    const unfollowed = (): boolean => !isFollowedClientTask({ onTaskStatus: this.onTaskStatus }, taskId);
    // The session's channel (absent on an SDK line that cannot send requests outside a call).
    const channel = this.clientChannel();
    if (channel) cancelClientTask(channel, taskId, [this.engine.closing], this.engine.options.logger, unfollowed);
  }

  closed(connection: ConnectionPort): void {
    if (connection === this.current) {
      // Let the server and its transport go once nothing else holds them (see hostRef): keep
      // what the tasks still read, the connection's id (owners), that it is closed, the capabilities.
      this.current = closedConnection(connection);
      this.capabilitiesAtClose = this.host?.clientCapabilities();
      this.host = undefined;
      this.reach.closed();
    }
    // Sent, never answered, and now nobody can answer them on this connection: back to the queue,
    // for the next tasks/result (a tasks/result stream that drops does the same with its own).
    for (const { taskId, request } of this.tracked?.closed(connection) ?? []) void this.engine.storage.putBack(taskId, [request]);
  }

  /**
   * Sends a task's queued message on `connection`, on the response stream of `relatedRequestId`;
   * a request is tracked (id → task) until its answer comes back on that connection.
   */
  async deliver(connection: ConnectionPort, taskId: string, message: QueuedMessage, relatedRequestId: RequestId): Promise<void> {
    if (message.kind === 'request') {
      const tracked = (this.tracked ??= new TrackedRequests());
      tracked.track(connection, taskId, message.requestId);
      if (tracked.awaitedOn(connection) >= this.nextSweep) void this.sweep(connection, tracked);
    }
    await connection.send(message.message, relatedRequestId);
  }

  /** Tracked requests on a connection past which the next delivery looks for settled ones ({@link sweep}). */
  private nextSweep = SWEEP_FROM;
  private sweeping = false;

  /**
   * Stops tracking the requests delivered on `connection` that their task no longer waits for. Only
   * the task's own session hears that (TaskSession.forget); a `tasks/result` from another session
   * of the same caller (one principal, several sessions) delivers on its own connection, which
   * kept every such request until it closed: one entry per ask answered elsewhere or ended unanswered.
   * An outstanding request never becomes outstanding again once resolved, so what the queue no
   * longer holds is settled for good. Run when the tracked count doubles since the last look, so
   * settled entries stay fewer than live ones (plus SWEEP_FROM) at an amortised cost of one look
   * per delivery; a store that is away leaves them for the next look.
   */
  private async sweep(connection: ConnectionPort, tracked: TrackedRequests): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const settled: string[] = [];
      for (const [requestId, taskId] of tracked.awaitedEntries(connection)) {
        if (!(await this.engine.storage.isOutstanding(taskId, requestId))) settled.push(requestId);
      }
      tracked.forget(connection, settled);
    } catch {
      // The queue is away: what is settled is looked at again at the next threshold.
    } finally {
      this.sweeping = false;
      this.nextSweep = Math.max(SWEEP_FROM, 2 * tracked.awaitedOn(connection));
    }
  }

  /**
   * Whether the current connection's standalone stream is a stream of its own (Streamable HTTP's
   * GET), which the client reads apart from the answers to its calls: what goes out on it can
   * reach the client before an answer sent earlier (TaskSession.reorders).
   */
  get reorders(): boolean {
    return this.current?.standalone !== undefined;
  }

  /**
   * Sends a task's input request on the current connection's standalone stream, tracked like a
   * delivered one so that its answer reaches the task; false when there is no open connection or the
   * send fails (then it was not delivered, and is not tracked).
   */
  async request(taskId: string, request: QueuedRequest): Promise<boolean> {
    if (this.held) await this.held;
    return this.current ? this.push(this.current, taskId, request) : false;
  }

  /**
   * Sends a task's queued message on the standalone stream of `connection` (a request tracked as
   * {@link request} does): how a `tasks/result` on a connection whose responses carry only their
   * answer (ConnectionPort.answersOnly) delivers. False when it was not sent.
   */
  async push(connection: ConnectionPort, taskId: string, message: QueuedMessage): Promise<boolean> {
    if (this.held) await this.held;
    // No stream to carry it (the SDK would drop it silently): it stays queued for a tasks/result.
    if (connection.closed || connection.standalone?.open === false) return false;
    if (message.kind === 'request') (this.tracked ??= new TrackedRequests()).push(connection, taskId, message);
    try {
      await connection.send(message.message);
      return true;
    } catch {
      if (message.kind === 'request') this.tracked!.untrack(connection, message.requestId);
      return false;
    }
  }

  /**
   * Stops tracking requests their task no longer waits for (it ended, or they were answered
   * another way). Tracked until answered otherwise, they stayed for the connection's whole life,
   * a pushed one with its message. Only the current connection can hold them: a closed one's are
   * dropped at its close.
   */
  forget(requestIds: readonly string[]): void {
    if (this.current) this.tracked?.forget(this.current, requestIds);
  }

  /**
   * Before a `tasks/result` of `taskId` delivers: requests of the task pushed on a standalone stream
   * that has ended since (Streamable HTTP: the client may never have read them) go back to the
   * queue, so this call asks them again. A late answer to the first copy still counts.
   */
  async reclaim(connection: ConnectionPort, taskId: string): Promise<void> {
    const lost = this.tracked?.lost(connection, taskId);
    if (lost) await this.engine.storage.putBack(taskId, lost);
  }

  /**
   * Holds this session's sends (notifications, requests to the client) until the current burst of
   * microtasks has run: a task of a call on this session was just stored and its work begins, while
   * the call's CreateTaskResult is handed to the transport only a few microtasks later (the SDK's
   * reply chain has no timer or I/O in it). An instant work's `completed` reached the client before
   * the task it names otherwise. One hold per burst, not one per task; held sends go out in order.
   */
  holdSends(): void {
    this.held ??= new Promise<void>((resolve) =>
      process.nextTick(() => {
        this.held = undefined;
        resolve();
      }),
    );
  }

  private held: Promise<void> | undefined;

  /** Resolves when held sends go out again; undefined when nothing is held. */
  get holding(): Promise<void> | undefined {
    return this.held;
  }

  /** Sends on the current connection (standalone stream, or `relatedRequestId`'s); false when it is gone or the send fails. */
  async send(notification: ServerNotification, relatedRequestId?: RequestId): Promise<boolean> {
    if (this.held) await this.held;
    const connection = this.current;
    if (!connection || connection.closed) return false;
    // Sent on the transport directly: the SDK's notification() would demand the `logging`
    // capability for task logs the work chose to send.
    const message = { jsonrpc: '2.0', ...notification } as JSONRPCNotification;
    try {
      await connection.send(message, relatedRequestId);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * How this session's client-side tasks are followed: requests on the standalone stream and the
   * client's status notifications; undefined when the SDK line cannot send requests outside a call.
   */
  clientChannel(): ClientChannel | undefined {
    if (!this.canRequest) return undefined;
    return {
      request: async (request, schema, options) => {
        if (this.held) await this.held;
        const host = this.liveHost();
        if (!host) throw new Error('Not connected');
        // Streamable HTTP with no GET stream open: the SDK's transport drops such a request without
        // an error, and it waited out the SDK's 60 s (an inline call's `tasks/cancel` after its end).
        if (this.current?.standalone?.open === false) throw notCarried(request.method);
        return host.request!(request, schema, options);
      },
      onTaskStatus: this.onTaskStatus,
      canSend: () => this.current?.standalone?.open !== false,
      onReachable: (listener) => (this.current && !this.current.closed ? this.reach.on(listener) : undefined),
    };
  }

  /**
   * What an inline call needs to follow client tasks (its requests go on the call's own stream, its
   * `tasks/cancel` on the session's: the SDK refuses to send on a cancelled call's stream);
   * undefined on an SDK line whose host cannot follow them (the same lines as {@link clientChannel}).
   */
  inlineClientTasks(): InlineClientTasks | undefined {
    const session = this.clientChannel();
    if (!session) return undefined;
    return { follow: (follow) => this.engine.followClientTask(undefined, follow), status: { onTaskStatus: this.onTaskStatus }, session };
  }

  /** Subscribes to the client's `notifications/tasks/status` (the host's handler is installed at the first subscriber). */
  private readonly onTaskStatus = (listener: (task: ClientTaskSnapshot) => void): (() => void) => {
    if (!this.statusListeners) {
      const listeners = (this.statusListeners = new Set());
      this.liveHost()?.onTaskStatus?.((params) => {
        const parsed = TaskSchema.safeParse(params);
        if (parsed.success) for (const each of [...listeners]) each(parsed.data as ClientTaskSnapshot);
      });
    }
    const listeners = this.statusListeners;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  private statusListeners: Set<(task: ClientTaskSnapshot) => void> | undefined;

  /** Client capabilities declared at `initialize`. */
  clientCapabilities(): ClientCapabilities | undefined {
    const host = this.liveHost();
    return host ? host.clientCapabilities() : this.capabilitiesAtClose;
  }
}
