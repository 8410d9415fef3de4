/**
 * Both SDK lines' web-standard Streamable HTTP transport (v1's Node transport wraps one, as
 * `_webStandardTransport`) find the POST to answer a request on through one map keyed by request id
 * alone (`_requestToStreamMapping`), set without looking. A second POST carrying an id still in
 * flight on the session takes the first one's entry over: the first request's answer goes out on the
 * second POST (as that POST's answer), the second's own answer is dropped, and the first POST is
 * never answered. Ids must be unique while in flight (the client's bug), but no request may hang on
 * it: the second POST is refused (HTTP 400, -32600, the duplicate id), before anything in it is
 * handled, and the first is left as it was. The same map keeps a POST open until every request in it
 * is answered, which a request the client cancelled never is: such a POST is ended here once it owes
 * nothing else. Nor does either line abort a request's handler when its client closes the POST's
 * stream first (fetch aborted, connection lost): a 2025-11-25 `tasks/result` left so kept waiting,
 * took the task's next input request and wrote it into the dead stream, where nobody could answer
 * it. Such a POST's unanswered requests are cancelled here, as if the client had sent
 * `notifications/cancelled` for them. The members used are internals of both lines (the same names
 * in v1 1.27 to 1.32 and v2 2.4), pinned by test/sdk/v1/duplicateRequestId.test.ts,
 * test/sdk/v2/duplicateRequestId.test.ts and the abandonedPost tests (test/http/abandonedPostCases.ts).
 * @internal
 */
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

/** What the transport's response routing holds for one POST (an SSE stream, or a pending JSON answer). */
interface PostStream {
  cleanup?: () => void;
  /** JSON-response mode: answers the POST. */
  resolveJson?: (response: Response) => void;
}

/** The web-standard transport's members used here (internals of both SDK lines). */
interface WebTransportInternals {
  _requestToStreamMapping: Map<RequestId, string>;
  _requestResponseMap: Map<RequestId, unknown>;
  _streamMapping: Map<string, PostStream>;
  _enableJsonResponse?: boolean;
  _eventStore?: unknown;
  sessionId?: string | undefined;
  createJsonErrorResponse(status: number, code: number, message: string, options?: { data?: unknown }): Response;
  handleRequest(request: Request, options?: unknown): Promise<Response>;
  send(message: unknown, options?: unknown): Promise<void>;
  close(): Promise<void>;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: unknown, extra?: unknown) => void) | undefined;
}

/** The reason of the cancellation of a request whose POST its client left (the handler's `signal.reason`). */
const CLIENT_LEFT = 'The client closed the response stream of the request';

/** Told of the client's cancellations, so that a cancelled request's id is free again. @internal */
export interface RequestIdGuard {
  /** The client's `notifications/cancelled` for `requestId`: the request gets no answer, so its id may be used again. */
  cancelled(requestId: RequestId): void;
}

/** Thrown out of the transport's POST handling (from the map's `set`) to refuse the whole POST. */
class DuplicateRequestId extends Error {
  constructor(
    readonly requestId: RequestId,
    inOnePost: boolean,
  ) {
    super(
      inOnePost
        ? `Request id ${shown(requestId)} appears more than once in one batch`
        : `Request id ${shown(requestId)} is already in flight on this session`,
    );
    this.name = 'DuplicateRequestId';
  }
}

/** The id as the message shows it: one line (a string JSON-quoted, so no line break survives), of bounded length. */
function shown(id: RequestId): string {
  if (typeof id !== 'string') return String(id);
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);
}

function refusal(error: DuplicateRequestId): Response {
  const body = { jsonrpc: '2.0', id: error.requestId, error: { code: -32600, message: error.message } };
  return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
}

/** The id of a JSON-RPC answer (result or error), else undefined. */
function answerId(message: unknown): RequestId | undefined {
  if (typeof message !== 'object' || message === null || 'method' in message || !('result' in message || 'error' in message))
    return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

function jsonAnswer(answers: unknown[], sessionId: string | undefined): Response {
  if (answers.length === 0) return new Response(null, { status: 202 });
  const headers = { 'content-type': 'application/json', ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }) };
  return new Response(JSON.stringify(answers.length === 1 ? answers[0] : answers), { status: 200, headers });
}

function isWebTransport(value: unknown): value is WebTransportInternals {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Record<keyof WebTransportInternals, unknown>>;
  return (
    t._requestToStreamMapping instanceof Map &&
    t._requestResponseMap instanceof Map &&
    t._streamMapping instanceof Map &&
    typeof t.createJsonErrorResponse === 'function' &&
    typeof t.handleRequest === 'function' &&
    typeof t.send === 'function' &&
    typeof t.close === 'function'
  );
}

/**
 * Makes a Streamable HTTP transport (either SDK line's web-standard one, or v1's Node one around it)
 * refuse a POST that carries a request whose id is in flight on the session, or twice in one batch;
 * undefined, and nothing changed, for any other transport (stdio, in memory, the user's own). An id
 * is in flight from its POST until its answer is sent (in JSON-response mode: until its POST's whole
 * answer is), unless the client cancelled it, or its POST is gone and no event store can replay the
 * answer: an answer then undeliverable, the SDK's own overwrite loses nothing.
 * @internal
 */
export function guardRequestIds(transport: object): RequestIdGuard | undefined {
  const inner = (transport as { _webStandardTransport?: unknown })._webStandardTransport;
  const web = isWebTransport(inner) ? inner : isWebTransport(transport) ? transport : undefined;
  if (!web) return undefined;
  const routes = web._requestToStreamMapping;
  const set = Map.prototype.set;
  const remove = Map.prototype.delete;
  // Ids the client cancelled while unanswered: the SDK never answers them and keeps their entry.
  const given = new Set<RequestId>();
  // The refusal on its way through the transport's catch (SSE mode) to createJsonErrorResponse.
  let refusing: DuplicateRequestId | undefined;

  const inFlight = (id: RequestId): boolean => {
    const streamId = routes.get(id);
    if (streamId === undefined || given.has(id)) return false;
    // SSE mode writes each answer as it is sent; JSON mode holds them until the POST's last one.
    if (!web._enableJsonResponse && web._requestResponseMap.has(id)) return false;
    return web._streamMapping.has(streamId) || web._eventStore !== undefined;
  };
  /** Undoes what the refused POST registered so far (its stream, its earlier requests' routes). */
  const release = (streamId: string): void => {
    for (const [id, routed] of routes) if (routed === streamId) remove.call(routes, id);
    web._streamMapping.get(streamId)?.cleanup?.();
  };

  // The transport registers a POST's requests in one synchronous loop before handing any of them
  // on: a throw here refuses the POST with nothing in it handled.
  routes.set = function guardedSet(id: RequestId, streamId: string) {
    if (inFlight(id)) {
      const duplicate = new DuplicateRequestId(id, routes.get(id) === streamId);
      release(streamId);
      refusing = duplicate;
      throw duplicate;
    }
    given.delete(id);
    return set.call(this, id, streamId) as typeof routes;
  };
  routes.delete = function guardedDelete(id: RequestId) {
    given.delete(id);
    return remove.call(this, id);
  };

  // SSE mode: the transport catches the throw, reports it (onerror) and answers 400 -32700 "Parse
  // error" through this method, at once: that answer is replaced by the refusal.
  const createJsonErrorResponse = web.createJsonErrorResponse;
  web.createJsonErrorResponse = function refusingDuplicates(status, code, message, options) {
    const duplicate = refusing;
    if (duplicate !== undefined && options?.data === String(duplicate)) {
      refusing = undefined;
      return refusal(duplicate);
    }
    return createJsonErrorResponse.call(this, status, code, message, options);
  };
  // JSON-response mode: the throw rejects the POST's pending answer, and so handleRequest.
  const handleRequest = web.handleRequest;
  web.handleRequest = async function handleRefusingDuplicates(request, options) {
    try {
      return await handleRequest.call(this, request, options);
    } catch (error) {
      if (!(error instanceof DuplicateRequestId)) throw error;
      if (refusing === error) refusing = undefined;
      // Reported as the transport reports its other refusals.
      web.onerror?.(error);
      return refusal(error);
    }
  };

  /**
   * Ends the POST `streamId` once it owes no answer: the SDK ends a POST only when every request in
   * it is answered, and a cancelled one never is, so the POST (an open response and, on SSE, a
   * keep-alive timer) stayed until the session ended, and an SDK client, which cancels without
   * closing it, read it that long. Not with an event store (a client holding a resumption token
   * comes back for an ended stream, and its replay would then stay open instead).
   */
  const endIfOwingNothing = (streamId: string): void => {
    const stream = web._streamMapping.get(streamId);
    if (!stream || web._eventStore !== undefined) return;
    const ids: RequestId[] = [];
    for (const [id, routed] of routes) if (routed === streamId) ids.push(id);
    const answered = ids.filter((id) => web._requestResponseMap.has(id));
    if (ids.some((id) => !given.has(id) && !web._requestResponseMap.has(id))) return;
    // JSON-response mode: the answers waiting for the rest go out, as the SDK sends them (one alone,
    // several as an array); none: 202, as for a POST of notifications.
    if (stream.resolveJson) {
      const answers = answered.map((id) => web._requestResponseMap.get(id));
      stream.resolveJson(jsonAnswer(answers, web.sessionId));
    }
    stream.cleanup?.();
    // The answered requests are done, as the SDK would have it. A cancelled one keeps its route:
    // what its work still sends on it is dropped there (its stream is gone), where without a
    // route the transport would throw at the sender.
    for (const id of ids) {
      // No longer in flight either way: its POST is gone.
      given.delete(id);
      if (!web._requestResponseMap.delete(id)) continue;
      remove.call(routes, id);
    }
  };

  // An answer that leaves its POST owing only cancelled requests ends it (the SDK waits for them).
  const send = web.send;
  web.send = function sendEndingCancelled(message, options) {
    const id = given.size > 0 ? answerId(message) : undefined;
    const streamId = id === undefined ? undefined : routes.get(id);
    const sent = send.call(this, message, options);
    return streamId === undefined ? sent : sent.then(() => endIfOwingNothing(streamId));
  };

  // The transport forgets a POST's stream when the client goes away (its body cancelled), or when
  // it ends it (every answer sent, a close, our end above): the first leaves requests owed.
  const streams = web._streamMapping;
  const forget = Map.prototype.delete;
  let closing = false;
  streams.delete = function forgetStream(streamId: string) {
    const forgotten = forget.call(this, streamId);
    if (forgotten) cancelLeft(streamId);
    return forgotten;
  };
  // 1.27 has no `_closed`: a close forgets every stream, whose requests the close itself aborts.
  const close = web.close;
  web.close = function closeForGood() {
    closing = true;
    return close.call(this);
  };

  /** The requests routed to `streamId` that are neither answered nor cancelled. */
  const owed = (streamId: string): RequestId[] => {
    const ids: RequestId[] = [];
    for (const [id, routed] of routes) if (routed === streamId && !given.has(id) && !web._requestResponseMap.has(id)) ids.push(id);
    return ids;
  };

  /**
   * The POST `streamId` was forgotten owing answers: its client left. Not with an event store (the
   * client may resume the stream with Last-Event-ID and read the answers then) nor in JSON-response
   * mode (no stream there: the transport learns nothing of a client that left, and sends nothing
   * but the answer on such a POST). Run after the SDK's code that forgot the stream, not inside it.
   */
  const cancelLeft = (streamId: string): void => {
    if (closing || web._eventStore !== undefined || web._enableJsonResponse || owed(streamId).length === 0) return;
    queueMicrotask(() => {
      if (closing || streams.has(streamId)) return;
      for (const id of owed(streamId)) {
        given.add(id);
        try {
          // Through the whole chain of handlers, as the client's own: the SDK's request entry and
          // this library's (sdk/v1/DirectRequests.ts) each abort the handler of the request.
          web.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: CLIENT_LEFT } });
        } catch (error) {
          web.onerror?.(error instanceof Error ? error : new Error(String(error)));
        }
      }
      // The answers it got meanwhile can go nowhere, and would wait for the cancelled ones for ever.
      // A cancelled one keeps its route, as in endIfOwingNothing: what its aborted handler still
      // sends (a tool ignoring its signal) is dropped there instead of thrown at the sender.
      for (const [id, routed] of routes) {
        if (routed !== streamId) continue;
        given.delete(id);
        if (web._requestResponseMap.delete(id)) remove.call(routes, id);
      }
    });
  };

  return {
    cancelled(requestId) {
      const streamId = routes.get(requestId);
      if (streamId === undefined || web._requestResponseMap.has(requestId)) return;
      given.add(requestId);
      endIfOwingNothing(streamId);
    },
  };
}

/** The request id (and reason) of a client's `notifications/cancelled`, else undefined. @internal */
export function cancellationOf(message: unknown): { requestId: RequestId; reason: unknown } | undefined {
  if (typeof message !== 'object' || message === null || (message as { method?: unknown }).method !== 'notifications/cancelled') {
    return undefined;
  }
  const params = (message as { params?: { requestId?: unknown; reason?: unknown } }).params;
  const requestId = typeof params === 'object' && params !== null ? params.requestId : undefined;
  return typeof requestId === 'string' || typeof requestId === 'number' ? { requestId, reason: params?.reason } : undefined;
}
