import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCResponse, JSONRPCErrorResponse } from '@modelcontextprotocol/sdk/types.js';
import type { MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

let connections = 0;

/** An answer from the client to a request a task sent, as the router hands it over. */
export type RoutedResponse = JSONRPCResponse | JSONRPCErrorResponse;

/**
 * One transport connection of one SDK `Server`, seen through the session router.
 * @internal
 */
export class Connection {
  /** Identifies the connection when the transport has no session id. */
  readonly id = `c${++connections}`;
  /** Ids of task requests sent on this connection and not yet answered, with their task. */
  readonly awaiting = new Map<string, string>();
  closed = false;

  constructor(readonly transport: Transport) {}

  /** Sends a message on the response stream of request `relatedRequestId` (or the standalone stream). */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Connection closed'));
    return this.transport.send(message, options);
  }
}

/**
 * The session router: sits between a transport and the SDK `Server`. Every response whose id is a
 * request that a task sent on this connection is taken off the wire here and handed to `route`
 * (which turns it into an event for the waiting task actor); everything else goes to the SDK as
 * usual. Only ids sent on this very connection are routed, so another session cannot answer for it.
 * @internal
 */
export function routeTransport(
  inner: Transport,
  route: (connection: Connection, taskId: string, response: RoutedResponse) => void,
): { transport: Transport; connection: Connection } {
  const connection = new Connection(inner);
  const previous = { onmessage: inner.onmessage, onclose: inner.onclose, onerror: inner.onerror };
  const outer: Transport = {
    start: () => inner.start(),
    close: () => inner.close(),
    send: (message, options) => inner.send(message, options),
    get sessionId() {
      return inner.sessionId;
    },
    setProtocolVersion: (version: string) => inner.setProtocolVersion?.(version),
  };
  inner.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
    if (isResponse(message)) {
      const id = String(message.id);
      const taskId = connection.awaiting.get(id);
      if (taskId !== undefined && typeof message.id === 'string') {
        connection.awaiting.delete(id);
        route(connection, taskId, message);
        return;
      }
    }
    previous.onmessage?.(message, extra);
    outer.onmessage?.(message, extra);
  };
  inner.onclose = () => {
    connection.closed = true;
    connection.awaiting.clear();
    previous.onclose?.();
    outer.onclose?.();
  };
  inner.onerror = (error: Error) => {
    previous.onerror?.(error);
    outer.onerror?.(error);
  };
  return { transport: outer, connection };
}

function isResponse(message: JSONRPCMessage): message is RoutedResponse {
  return 'id' in message && !('method' in message) && ('result' in message || 'error' in message);
}
