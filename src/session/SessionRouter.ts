import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCRequestSchema } from '../wire.js';
import { z } from 'zod';
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
    const refusal = refuseMalformedRequest(message);
    if (refusal) {
      // The SDK drops a request its schema rejects without a reply, leaving the client waiting forever.
      inner.send(refusal).catch((error: unknown) => inner.onerror?.(error instanceof Error ? error : new Error(String(error))));
      return;
    }
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

/**
 * The error reply for a request (method and id present) the SDK's schema rejects: -32602 when only
 * its params are wrong (e.g. a malformed `_meta`, or an array), -32600 when it is no valid request.
 */
function refuseMalformedRequest(message: unknown): JSONRPCErrorResponse | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  const parsed = JSONRPCRequestSchema.safeParse(message);
  if (parsed.success) return undefined;
  const onlyParams = jsonrpc === '2.0' && typeof params === 'object' && params !== null;
  const why = z.prettifyError(parsed.error).slice(0, 500);
  const error = onlyParams
    ? { code: ErrorCode.InvalidParams, message: `Invalid params for ${method.slice(0, 100)}: ${why}` }
    : { code: ErrorCode.InvalidRequest, message: `Invalid request: ${why}` };
  return { jsonrpc: '2.0', id, error };
}

function isResponse(message: JSONRPCMessage): message is RoutedResponse {
  return 'id' in message && !('method' in message) && ('result' in message || 'error' in message);
}
