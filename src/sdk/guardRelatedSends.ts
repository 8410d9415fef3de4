import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { UnreachableClientError } from './UnreachableClientError.js';

/** A transport's `send`, either SDK line's (its message and options types), reading `relatedRequestId` alone. */
export type RelatedSend<M, O extends { relatedRequestId?: RequestId }> = (message: M, options?: O) => Promise<void>;

/** What is read of a web-standard Streamable HTTP transport (both SDK lines' own, fixed at construction). */
interface WebTransportState {
  sessionIdGenerator?: unknown;
  _enableJsonResponse?: unknown;
  _standaloneSseStreamId?: unknown;
  _streamMapping?: unknown;
}

const NOT_ANSWERABLE =
  'stateless HTTP serving has no session for its answer to come back to (it would reach another server); call the tool as a task';
const NO_STREAM =
  'the server answers each POST with one JSON body (enableJsonResponse) and the session has no GET stream open to carry the request';

/**
 * Wraps `send` of a Streamable HTTP transport for what a handler sends the client within a request
 * (`relatedRequestId`: an inline tool's `elicit`, `createMessage`, logs and progress, a handler's
 * `sendRequest`/`sendNotification`), where the request's own response cannot carry it and both
 * SDK lines dropped it without an error (the request then waited for the SDK's request timeout,
 * 60 s by default, the notification was lost):
 *
 * - JSON-response mode (`enableJsonResponse`), the POST's answer being all its response carries:
 *   it goes on the session's GET stream when one is open (as a task's messages do,
 *   `ConnectionPort.answersOnly`); with none, a request fails at once with an
 *   {@link UnreachableClientError} and a notification is dropped (nothing could carry it).
 * - Stateless serving (no session id): a request fails at once with an `UnreachableClientError`, as
 *   its answer would be POSTed to a transport and server made for that POST, never to the one waiting
 *   (a stateless transport serves one request). Notifications go on as before (on the POST's event
 *   stream; in JSON-response mode the SDK drops them).
 *
 * Responses, and what is sent outside a request, go to `send` untouched; so does everything on any
 * other transport (stdio, in memory, the user's own), for which `send` itself is returned.
 * `standaloneOpen` says whether the session's GET stream is open where the adapter follows it
 * (undefined: read from the transport's own stream table); `refused` hears of each request failed.
 * @internal
 */
export function guardRelatedSends<M, O extends { relatedRequestId?: RequestId }>(
  transport: object,
  send: RelatedSend<M, O>,
  standaloneOpen: () => boolean | undefined,
  refused?: (requestId: RequestId, error: UnreachableClientError) => void,
): RelatedSend<M, O> {
  const web = webTransportOf(transport);
  if (!web) return send;
  const stateless = web.sessionIdGenerator === undefined;
  const answersOnly = web._enableJsonResponse === true;
  if (!stateless && !answersOnly) return send;
  const getStreamOpen = (): boolean => standaloneOpen() ?? (web._streamMapping as Map<unknown, unknown>).has(web._standaloneSseStreamId);
  const refuse = (requestId: RequestId, method: string, reason: string): Promise<void> => {
    const error = new UnreachableClientError(method, reason);
    refused?.(requestId, error);
    return Promise.reject(error);
  };
  return (message, options) => {
    const fields = typeof message === 'object' && message !== null ? (message as { method?: unknown; id?: RequestId }) : {};
    if (options?.relatedRequestId === undefined || typeof fields.method !== 'string') return send(message, options);
    const { method, id } = fields;
    if (stateless) return id !== undefined ? refuse(id, method, NOT_ANSWERABLE) : send(message, options);
    if (getStreamOpen()) return send(message);
    return id !== undefined ? refuse(id, method, NO_STREAM) : Promise.resolve();
  };
}

/**
 * Whether `transport` is a web-standard Streamable HTTP transport (either SDK line's own, or the one
 * v1's Node transport wraps) serving without sessions: no GET stream can ever open on it.
 * @internal
 */
export function isSessionless(transport: object): boolean {
  // Not `webTransportOf(…)?.sessionIdGenerator === undefined`: that held for every other transport
  // too (in-memory, stdio), which have sessions of their own.
  const web = webTransportOf(transport);
  return web !== undefined && web.sessionIdGenerator === undefined;
}

/** The web-standard transport itself, or the one v1's Node transport wraps; undefined for any other. */
function webTransportOf(transport: object): WebTransportState | undefined {
  const inner = (transport as { _webStandardTransport?: unknown })._webStandardTransport;
  const web = (typeof inner === 'object' && inner !== null ? inner : transport) as WebTransportState;
  const looksWeb = 'sessionIdGenerator' in web && web._streamMapping instanceof Map && typeof web._standaloneSseStreamId === 'string';
  return looksWeb ? web : undefined;
}
