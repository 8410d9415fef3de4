import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { REQUEST, checkRequest, withoutIgnoredRelatedTask } from '../checkRequest.js';
import { guardRelatedSends, isSessionless } from '../guardRelatedSends.js';
import { passRefusedRequestLines } from '../stdioRequestLines.js';
import { cancellationOf, guardRequestIds } from '../uniqueRequestIds.js';
import type { ClientResponse, ConnectionListener, ConnectionPort } from '../../session/ServerHost.js';
import type { MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { callerOf } from './request.js';
import type { RequestRouter } from './DirectRequests.js';
import { StandaloneChanges } from '../../session/StandaloneChanges.js';

let connections = 0;

/** One transport connection of one SDK v1 `Server`, as the session router sees it. */
class Connection implements ConnectionPort {
  /** Identifies the connection when the transport has no session id. */
  readonly id = `c${++connections}`;
  closed = false;
  standalone?: { readonly open: boolean; losses: number; onChange: StandaloneChanges['on'] };
  readonly answersOnly: boolean;
  readonly sessionless: boolean;

  constructor(private readonly transport: Transport) {
    followStandaloneStream(transport, this);
    this.answersOnly = answersOnly(transport);
    this.sessionless = isSessionless(transport);
  }

  send(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Connection closed'));
    return this.transport.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId });
  }
}

/**
 * Puts `listener` (the session router) between a transport and the SDK `Server`: every client
 * response goes to `listener.response` first, and one it consumes (an answer to a task's request)
 * never reaches the SDK; everything else goes to the SDK as usual. Also answers requests the SDK's
 * schema would drop without a reply, and hands the valid ones to `router` when given (with the
 * client's cancellations of requests and the connection's close).
 * @internal
 */
export function wrapTransport(inner: Transport, listener: ConnectionListener, router?: RequestRouter): Transport {
  const connection = new Connection(inner);
  // On stdio, a request the SDK's schema refuses would be dropped before it reaches onmessage.
  passRefusedRequestLines(inner);
  // On Streamable HTTP, a POST reusing an id in flight would take the first one's answer over.
  const ids = guardRequestIds(inner);
  const previous = { onmessage: inner.onmessage, onclose: inner.onclose, onerror: inner.onerror };
  // v1 keeps the response handler of a request whose send failed until the connection closes (v2
  // drops it): the refusal is also answered to it, once the ask has had its own error (a macrotask
  // later), which ends the entry as an answer would; a close meanwhile has ended it already.
  const answerRefusal = (id: RequestId, error: Error): void => {
    setImmediate(() => {
      if (!connection.closed) outer.onmessage?.({ jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message: error.message } });
    });
  };
  const outer: Transport = {
    start: () => inner.start(),
    close: () => inner.close(),
    // What a handler sends within a request, where JSON-response mode or stateless serving would drop it unsaid.
    send: guardRelatedSends(
      inner,
      (message, options) => inner.send(message, options),
      () => connection.standalone?.open,
      answerRefusal,
    ),
    get sessionId() {
      return inner.sessionId;
    },
    setProtocolVersion: (version: string) => inner.setProtocolVersion?.(version),
  };
  inner.onmessage = (received: JSONRPCMessage, extra?: MessageExtraInfo) => {
    // Before any schema: the SDK's would refuse a related-task key 2025-11-25 says to ignore there.
    const message = withoutIgnoredRelatedTask(received) as JSONRPCMessage;
    const request = checkRequest(message);
    if (request !== undefined && request !== REQUEST) {
      // The SDK drops a request its schema rejects without a reply, leaving the client waiting forever.
      inner.send(request).catch((error: unknown) => inner.onerror?.(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    if (request === undefined) {
      if (isResponse(message) && listener.response(connection, message, callerOf(inner.sessionId, extra))) return;
      // Also on to the SDK, which cancels the requests its own entry serves.
      const cancelled = cancellationOf(message);
      if (cancelled) {
        ids?.cancelled(cancelled.requestId);
        router?.cancelled(cancelled.requestId, cancelled.reason);
      }
    }
    previous.onmessage?.(message, extra);
    // Known to be a request already: straight to the router, where there is one, without the
    // SDK's onmessage trying the message on the response schemas first.
    if (request === REQUEST && router && outer.onmessage) router.request(message as JSONRPCRequest, extra);
    else outer.onmessage?.(message, extra);
  };
  inner.onclose = () => {
    connection.closed = true;
    router?.closed();
    listener.closed(connection);
    previous.onclose?.();
    outer.onclose?.();
  };
  inner.onerror = (error: Error) => {
    previous.onerror?.(error);
    outer.onerror?.(error);
  };
  listener.opened(connection);
  return outer;
}

/**
 * Follows the standalone stream of SDK v1's Node Streamable HTTP transport: each GET it is handed
 * (`handleRequest(req, res)`) and answers 200 opens one, until that response closes. A GET it
 * refuses (409 while one is open, 406 without text/event-stream, 400, 404) opened nothing, and its
 * close ends nothing: counted, it made the session believe its real stream gone. The status is
 * read when asked (`open`) or at the close, as the transport sets it only after the GET began.
 * Other transports (the web-standard one included, whose stream hides in its Response body) are
 * left alone.
 */
function followStandaloneStream(transport: Transport, connection: Connection): void {
  type Answer = {
    once?: (event: 'close', listener: () => void) => unknown;
    headersSent?: boolean;
    statusCode?: number;
    writeHead?: (...args: unknown[]) => unknown;
  };
  const http = transport as Transport & {
    handleRequest?: (request: { method?: string }, response?: Answer, ...rest: unknown[]) => Promise<unknown>;
  };
  const handle = http.handleRequest;
  if (!(transport instanceof StreamableHTTPServerTransport) || typeof handle !== 'function') return;
  const opened = (response: Answer): boolean => response.headersSent === true && response.statusCode === 200;
  // GETs not yet closed; a Set, not a flag: a resumed stream (Last-Event-ID) may open before the
  // one it replaces has closed.
  const live = new Set<Answer>();
  const changes = new StandaloneChanges();
  const standalone = {
    get open(): boolean {
      for (const response of live) if (opened(response)) return true;
      return false;
    },
    losses: 0,
    onChange: changes.on,
  };
  connection.standalone = standalone;
  http.handleRequest = (request, response, ...rest) => {
    if (request?.method === 'GET' && response && typeof response.once === 'function') {
      live.add(response);
      response.once('close', () => {
        live.delete(response);
        // Not while a resumed stream that replaced it is open: the session still has its stream,
        // and what went on the old one is replayed on the new one (the event store).
        if (opened(response) && !standalone.open) {
          standalone.losses++;
          changes.tell('dropped');
        }
      });
      // The stream opens with its 200 head (the transport's handleRequest resolves only at its end):
      // told once the head is written, when `open` reads true, and the transport sends on it.
      const writeHead = response.writeHead;
      if (typeof writeHead === 'function')
        response.writeHead = function (this: unknown, ...args: unknown[]): unknown {
          const written = writeHead.apply(this, args);
          if (live.has(response) && opened(response)) queueMicrotask(() => changes.tell('opened'));
          return written;
        };
    }
    return handle.call(transport, request, response, ...rest);
  };
}

/**
 * Whether the transport answers each POST with one JSON body (Streamable HTTP's
 * `enableJsonResponse`, fixed at construction): then it drops every other message sent for a
 * request, without an error. Read on the web-standard transport, or the one v1's Node transport wraps.
 */
function answersOnly(transport: Transport): boolean {
  const web = (transport as { _webStandardTransport?: object })._webStandardTransport ?? transport;
  return (web as { _enableJsonResponse?: unknown })._enableJsonResponse === true;
}

function isResponse(message: JSONRPCMessage): message is ClientResponse {
  // A transport of the user's own may hand over what no JSON-RPC schema checked: `in` throws on a primitive.
  return (
    typeof message === 'object' &&
    message !== null &&
    'id' in message &&
    !('method' in message) &&
    ('result' in message || 'error' in message)
  );
}
