/**
 * The options and public types of `McpHttpHost`: what a server author passes and gets back,
 * apart from the host's session handling (as the engine's options live in TaskEngineOptions.ts).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** A server the host connects to one session's transport: an SDK v1 `McpServer` or low-level `Server`. */
export type HostedServer = Pick<McpServer, 'connect' | 'close'>;

/** What {@link McpHttpHostOptions.createServer} learns about the request that opens a session. */
export interface SessionRequest {
  /** What {@link McpHttpHostOptions.authenticate} returned for it. */
  authInfo?: AuthInfo;
  /**
   * The HTTP request (headers, socket). Do not read its body: a JSON POST's has been read already
   * (the host hands it to the transport).
   */
  request: IncomingMessage;
}

/**
 * The auth hook: the `AuthInfo` the SDK hands to handlers as `extra.authInfo` (and the task layer
 * uses as the caller's principal), `undefined` for an anonymous request, or `false` when the hook
 * has answered the request itself (e.g. 401 with `WWW-Authenticate`). A response it left unwritten
 * is answered by the host with a JSON-RPC error (-32000, the status's name), carrying the headers
 * it set: with the `res.statusCode` it set if that is 4xx or 5xx (403 "Forbidden"), else 401
 * "Unauthorized". A response it began (its head sent) is left to it to end, later if it likes.
 */
export type Authenticate = (
  req: IncomingMessage,
  res: ServerResponse,
) => AuthInfo | undefined | false | Promise<AuthInfo | undefined | false>;

/** Options of `McpHttpHost`. */
export interface McpHttpHostOptions {
  /** A new server per session (per request with `sessions: false`); share one `TaskSupport` across them. */
  createServer: (request: SessionRequest) => HostedServer | Promise<HostedServer>;
  /** Stateful sessions (`mcp-session-id`, GET stream, DELETE). `false`: stateless, a server per POST. Default true. */
  sessions?: boolean;
  /** A session with no request in flight for this long is closed. Default 30 minutes; `0` or `Infinity`: never (RangeError past about 24.8 days). */
  idleTimeoutMs?: number;
  /**
   * The interface the server listens on (what `McpHttpHost.listen` binds). Default `127.0.0.1`.
   * On a loopback interface (any of 127.0.0.0/8, `::1`, `localhost`) and without `allowedHosts`,
   * only loopback `Host` names and the interface's own address are served (DNS rebinding).
   */
  host?: string;
  /** Host names (no port; IPv6 in brackets) served; others get 403 before anything is read. */
  allowedHosts?: readonly string[];
  /** `Origin` values allowed when a browser sends one; others get 403. Default: not checked. */
  allowedOrigins?: readonly string[];
  /**
   * Largest request body in bytes: 413 (JSON-RPC -32000) once more has arrived, or at once when its
   * `Content-Length` says so; the host reads a JSON POST's body itself, so this holds on every SDK v1
   * (1.27 has no limit of its own). Default 4 MiB, the SDK's; `Infinity`: none; anything but a
   * positive number throws a `RangeError`. Not applied to a body a framework has already read.
   */
  maxRequestBodySize?: number;
  /**
   * Longest a request body may take to arrive, counted from when its headers reach the host. A request
   * whose body has not all arrived by then is answered 408 (a JSON-RPC error) and its connection
   * closed; its server, if one was made for it (an initialize, or any POST when stateless), is closed.
   * Only the body's arrival is bounded: the answer that follows (an SSE stream too) and the GET
   * stream are not. Not applied to a body a framework has already read. Default 30 s; `0` or
   * `Infinity`: none (Node's `requestTimeout` still applies on a `McpHttpHost.listen`ed host).
   * A negative or NaN value, or one over 2^31 - 1 (Node's largest timer), throws a `RangeError`.
   */
  requestBodyTimeoutMs?: number;
  /** See {@link Authenticate}. A session stays with the principal (`clientId`, `extra.sub`) that opened it. */
  authenticate?: Authenticate;
  /**
   * Where a failure answered 500 goes (`createServer` or `authenticate` threw, a `fallback` route
   * failed), with the error. The client gets JSON-RPC -32603 "Internal error" only: what the error
   * says (a database's host name, a key, a token service's reply) stays in the server log, as the
   * task store's failures do. Default: `console`.
   */
  logger?: Pick<Console, 'error'>;
  /**
   * Sessions at once: those open plus requests opening one (a POST without `mcp-session-id` whose
   * server is being made or body read). Beyond, 503 with `Retry-After` and JSON-RPC -32029
   * (`data.limit` `maxSessions`), before `createServer`. Default 10,000. Unused with `sessions: false`.
   */
  maxSessions?: number;
  /**
   * The same per authenticated principal (`data.limit` `maxSessionsPerPrincipal`); anonymous requests
   * count only toward `maxSessions` (cap them per IP in front). Default 100. For both, `Infinity` is
   * no cap; a value not an integer ≥ 1 throws a `RangeError`.
   */
  maxSessionsPerPrincipal?: number;
}

/** Options of `McpHttpHost.listen`. */
export interface ListenOptions {
  /** Default 3000; `0` picks a free port. */
  port?: number;
  /** The MCP endpoint's path. Default `/mcp`. */
  path?: string;
  /** Requests to other paths (after the Host check); 404 when absent or when it returns false. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/** A listening host: its URL and the Node server. */
export interface ListeningHost {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  http: HttpServer;
}
