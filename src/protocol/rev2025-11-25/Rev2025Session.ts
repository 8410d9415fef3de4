import type { ClientCapabilities, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedRequest } from '../../backends/TaskMessageQueue.js';
import type { ClientChannel } from '../../engine/ClientTasks.js';
import type { TaskSession } from '../../engine/TaskEngine.js';
import type { SessionRouter } from '../../session/SessionRouter.js';
import type { TaskRecord } from '../../types.js';
import { toTask } from './wire.js';

/**
 * How a 2025-11-25 task reaches its client outside `tasks/result`: the server's session, status
 * pushed as `notifications/tasks/status`. One per connection, shared by its tasks, and kept by them
 * after the session ended for as long as they live.
 *
 * Bound to the connection it was made on: a server connected again (to the next client, after
 * `close`) is another caller's, so nothing of these tasks goes out on it. Before, the router's
 * latest connection was taken: the next client was sent the earlier client's status notifications
 * and input requests, and its answers were taken (test/security/reusedServer.test.ts). Not sent
 * there, a request stays queued for a `tasks/result` of the task's owner.
 *
 * A class, so its methods are shared by every session. It was an object of nine closures built
 * with a conditional spread (`...(client ? { client } : {})`), which on Node 20 (V8 11.3) gets a
 * hidden class of its own per object (seen in a heap snapshot: one per session): about 1 KB of
 * every session that made a task (bench/sessionHeap.ts), held until its last task ends.
 * @internal
 */
export class Rev2025Session implements TaskSession {
  /** Undefined on an SDK line that cannot send requests outside a call. */
  readonly client: ClientChannel | undefined;
  /** The id of the connection this session belongs to (undefined: made before any connected). */
  readonly connectionId: string | undefined;
  /** The capabilities of this session's client, as last read while its connection was the router's. */
  private capabilities: ClientCapabilities | undefined;

  constructor(
    private readonly router: SessionRouter,
    /** What to assume where no initialize came on this connection: stateless HTTP (options.ts statelessClientCapabilities). */
    readonly stateless: ClientCapabilities | undefined,
  ) {
    this.connectionId = router.connection?.id;
    this.capabilities = router.clientCapabilities();
    const channel = router.clientChannel();
    this.client = channel && this.ownChannel(channel);
  }

  /** Whether the router's connection is still this session's (closed or not): false once the server connected again. */
  get current(): boolean {
    return this.router.connection?.id === this.connectionId;
  }

  clientCapabilities(): ClientCapabilities | undefined {
    if (this.current) this.capabilities = this.router.clientCapabilities();
    return this.capabilities ?? this.stateless;
  }

  notify(notification: ServerNotification): Promise<boolean> {
    return this.current ? this.router.send(notification) : NOT_SENT;
  }

  request(taskId: string, request: QueuedRequest): Promise<boolean> {
    return this.current ? this.router.request(taskId, request) : NOT_SENT;
  }

  reorders(): boolean {
    return this.router.reorders;
  }

  async statusChanged(record: TaskRecord): Promise<void> {
    if (this.current) await this.router.send({ method: 'notifications/tasks/status', params: toTask(record) });
  }

  created(): void {
    this.router.holdSends();
  }

  held(): Promise<void> | undefined {
    return this.router.holding;
  }

  forget(requestIds: readonly string[]): void {
    if (this.current) this.router.forget(requestIds);
  }

  /**
   * The router's client channel whose requests go out only while the connection is this session's:
   * the next client is not sent them. Its status subscription is the router's own, unwrapped: it
   * names the session (engine/followedClientTasks.ts keys follows by it), and a status about a
   * client task id of the earlier client could only come from someone holding that id.
   */
  private ownChannel(channel: ClientChannel): ClientChannel {
    const own: ClientChannel = {
      request: (request, schema, options) =>
        this.current ? channel.request(request, schema, options) : Promise.reject(new Error('Not connected')),
    };
    if (channel.onTaskStatus) own.onTaskStatus = channel.onTaskStatus;
    const canSend = channel.canSend;
    if (canSend) own.canSend = () => this.current && canSend();
    // Once the server connected again, no stream of this session can open: nothing to wait for.
    const onReachable = channel.onReachable;
    if (onReachable) own.onReachable = (listener) => (this.current ? onReachable(listener) : undefined);
    return own;
  }
}

/** What a send that did not happen resolves with (one shared promise). */
const NOT_SENT: Promise<boolean> = Promise.resolve(false);
