import type { ClientCapabilities, JSONRPCNotification, RequestId, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedMessage } from '../backends/TaskMessageQueue.js';
import type { TaskEngine } from '../engine/TaskEngine.js';
import type { Answer } from '../types.js';
import type { ClientResponse, ConnectionListener, ConnectionPort, ServerHost } from './ServerHost.js';

/**
 * The session router of one server (one session on Streamable HTTP): knows its current
 * connection, sends a task's messages on it, tracks the requests it delivered on each connection,
 * and turns each client response to one of them into one `Answer` for the task's actor. Only ids
 * sent on that very connection are routed, so another session cannot answer for it.
 */
export class SessionRouter implements ConnectionListener {
  private current: ConnectionPort | undefined;
  /** Ids of task requests delivered per connection and not yet answered, with their task. */
  private readonly awaiting = new WeakMap<ConnectionPort, Map<string, string>>();

  constructor(
    private readonly engine: TaskEngine,
    private readonly host: ServerHost,
  ) {}

  /** The server's latest connection (undefined before connect; it may be closed). */
  get connection(): ConnectionPort | undefined {
    return this.current;
  }

  opened(connection: ConnectionPort): void {
    this.current = connection;
  }

  response(connection: ConnectionPort, response: ClientResponse): boolean {
    const awaiting = this.awaiting.get(connection);
    const taskId = awaiting?.get(String(response.id));
    // Task request ids are strings (engine: `mta-…`); a numeric id is the SDK's own request.
    if (taskId === undefined || typeof response.id !== 'string') return false;
    awaiting!.delete(response.id);
    const answer: Answer = 'error' in response ? { error: response.error } : { result: response.result };
    this.engine.answer(taskId, response.id, answer);
    return true;
  }

  closed(connection: ConnectionPort): void {
    this.awaiting.delete(connection);
  }

  /**
   * Sends a task's queued message on `connection`, on the response stream of `relatedRequestId`;
   * a request is tracked (id → task) until its answer comes back on that connection.
   */
  async deliver(connection: ConnectionPort, taskId: string, message: QueuedMessage, relatedRequestId: RequestId): Promise<void> {
    if (message.kind === 'request') {
      let awaiting = this.awaiting.get(connection);
      if (!awaiting) this.awaiting.set(connection, (awaiting = new Map()));
      if (!connection.closed) awaiting.set(message.requestId, taskId);
    }
    await connection.send(message.message, relatedRequestId);
  }

  /** Sends on the current connection (standalone stream, or `relatedRequestId`'s); false when it is gone or the send fails. */
  async send(notification: ServerNotification, relatedRequestId?: RequestId): Promise<boolean> {
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

  /** Client capabilities declared at `initialize`. */
  clientCapabilities(): ClientCapabilities | undefined {
    return this.host.clientCapabilities();
  }
}
