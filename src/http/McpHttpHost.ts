import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createHostCheck, createHttpTransport } from '../sdk/v1/http.js';
import type { HttpTransport } from '../sdk/v1/http.js';
import { SessionTable } from './SessionTable.js';
import { bodyTimeoutOf, cutOffIfStalled, limitBodyArrival } from './bodyDeadline.js';
import { bodyLimitOf } from './requestBody.js';
import { transportBody } from './transportBody.js';
import { SessionCaps, principalOf, refuseSession } from './sessionCaps.js';
import type { SessionSlot } from './sessionCaps.js';
import { hostMatchesTarget, pathOf } from './requestTarget.js';
import { loopbackHostNames } from './loopback.js';
import { listenUrl } from './urlHost.js';
import { finishRefusedAuth } from './finishRefusedAuth.js';
import { SESSION_METHODS, refuse, refuseClosing, refuseMethod } from './refuse.js';
import { timerOption } from '../timerBounds.js';
import { safeLogger } from '../safeLogger.js';
import type { HostedServer, ListeningHost, ListenOptions, McpHttpHostOptions } from './McpHttpHostOptions.js';

const DEFAULT_IDLE_MS = 30 * 60_000;

/**
 * A Streamable HTTP host for one-server-per-session MCP servers, on SDK v1's own transport, Host
 * check and body limit: session map, DELETE, idle expiry, graceful close, an auth hook.
 *
 * @example
 * ```ts
 * const host = new McpHttpHost({ createServer: () => createSessionServer() });
 * const { url } = await host.listen({ port: 3000 }); // or: http.createServer((req, res) => void host.handle(req, res))
 * // on shutdown: await tasks.close(); await host.close(); (tasks first: it answers the inline calls still running)
 * ```
 */
export class McpHttpHost {
  private readonly sessions: SessionTable;
  private readonly checkHost: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  private readonly allowedOrigins: string[] | undefined;
  private readonly bodyTimeoutMs: number | undefined;
  private readonly maxBodyBytes: number;
  private readonly caps: SessionCaps;
  private http: HttpServer | undefined;
  private closing = false;
  /**
   * Requests past the closing check that hold a server nothing else will close yet (no session in the
   * table, no response it is tied to): {@link close} waits for them, or it would find no session and
   * return while they go on to add one.
   */
  private readonly opening = new Set<Promise<unknown>>();
  /** Requests whose body the host is reading (transportBody.ts): close() cuts off a stalled one. */
  private readonly readingBody = new Set<IncomingMessage>();
  /**
   * Stateless servers whose response is open: {@link close} closes them, ending their streams, as it
   * does a session's (an embedded host owns no connection it could end instead).
   */
  private readonly statelessServers = new Set<HostedServer>();
  private readonly logger: Pick<Console, 'error'>;

  constructor(private readonly options: McpHttpHostOptions) {
    this.logger = safeLogger(options.logger ?? console);
    const hosts = options.allowedHosts ?? loopbackHostNames(options.host ?? '127.0.0.1');
    this.checkHost = hosts ? createHostCheck(hosts) : undefined;
    this.allowedOrigins = options.allowedOrigins ? [...options.allowedOrigins] : undefined;
    this.sessions = new SessionTable(timerOption('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_MS, true) ?? 0);
    this.bodyTimeoutMs = bodyTimeoutOf(options.requestBodyTimeoutMs);
    this.maxBodyBytes = bodyLimitOf(options.maxRequestBodySize);
    this.caps = new SessionCaps(options.maxSessions, options.maxSessionsPerPrincipal);
  }

  /** Sessions open now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Serves one request to the MCP endpoint (route it here from `node:http`, Express, …). Never
   * rejects: a failure is answered 500 "Internal error" and logged (`logger`). When a framework has
   * already read the body (`parsedBody`, else a `req.body` a parser such as `express.json()` set
   * as it read the stream), that is used and the framework's limits apply instead of
   * `maxRequestBodySize` and `requestBodyTimeoutMs`.
   */
  async handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    try {
      // A body the host is to read may stall, holding the request (and its session slot) (bodyDeadline.ts);
      // one a framework read has arrived (`req.complete`), and gets no timer.
      if (parsedBody === undefined && this.bodyTimeoutMs !== undefined) limitBodyArrival(req, res, this.bodyTimeoutMs);
      await this.serve(req, res, parsedBody);
    } catch (error) {
      this.failed(res, error);
    }
  }

  /** Answers a request that failed: 500 "Internal error" (or the end of a response begun), the error logged. */
  private failed(res: ServerResponse, error: unknown): void {
    const begun = res.headersSent;
    const how = begun ? 'its response was cut short' : 'answered 500';
    // safeLogger: a logger that throws must not leave the request unanswered, nor reject handle().
    this.logger.error(`mcp-task-actors: a request to the HTTP host failed (${how})`, error);
    if (begun) res.end();
    else refuse(res, 500, -32603, 'Internal error');
  }

  /**
   * Applies the Host check alone (for routes of your own beside the endpoint); false when refused
   * with 403, or with 400 when an absolute-form target (`POST http://host/mcp`) names another host.
   */
  hostAllowed(req: IncomingMessage, res: ServerResponse): boolean {
    if (!hostMatchesTarget(req)) {
      refuse(res, 400, -32000, 'Bad Request: Host header does not match the request target');
      return false;
    }
    return this.checkHost ? this.checkHost(req, res) : true;
  }

  /** Listens on `options.host` (default 127.0.0.1) with a `node:http` server of its own. */
  async listen(options: ListenOptions = {}): Promise<ListeningHost> {
    if (this.http) throw new Error('McpHttpHost is already listening');
    const path = options.path ?? '/mcp';
    const http = createServer((req, res) => {
      void (async () => {
        if (pathOf(req) === path) return this.handle(req, res);
        if (!this.hostAllowed(req, res)) return;
        if (!(await options.fallback?.(req, res))) refuse(res, 404, -32000, 'Not found');
      })().catch((error: unknown) => this.failed(res, error));
    });
    this.http = http;
    const bindTo = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => {
        // Not listening after all: a later listen() (another port, say) may try again.
        this.http = undefined;
        reject(error);
      };
      http.once('error', failed);
      http.listen(options.port ?? 3000, bindTo, () => {
        http.off('error', failed);
        resolve();
      });
    });
    const { port, address } = http.address() as AddressInfo;
    return { url: listenUrl(address, port, path), http };
  }

  /** Closes one session (its transport and server), as DELETE would. False when there is none. */
  async closeSession(sessionId: string): Promise<boolean> {
    return this.sessions.close(sessionId);
  }

  /**
   * Graceful close: new requests get 503, the listener (if {@link listen}ed) stops, every body the
   * host is still reading that has not all arrived is cut off, requests still making their server
   * are waited for (they get 503, or open a session closed next), every session's server and every
   * server of a stateless request still streaming closes (ending its open streams), then the
   * remaining connections. Tasks are not touched: close your `TaskSupport` first, which answers the
   * inline tool calls still running while their streams are open (a request still unanswered here
   * has its stream ended without an answer).
   */
  async close(): Promise<void> {
    this.closing = true;
    const http = this.http;
    const stopped = http ? new Promise<void>((resolve) => http.close(() => resolve())) : Promise.resolve();
    for (const req of this.readingBody) cutOffIfStalled(req);
    // One that starts opening later makes no server: serverFor checks `closing` first.
    await Promise.all(this.opening);
    // Taken out of the set: the end of their responses does not close them a second time.
    const stateless = [...this.statelessServers];
    this.statelessServers.clear();
    await Promise.allSettled(stateless.map((server) => server.close()));
    await this.sessions.closeAll();
    http?.closeAllConnections();
    await stopped;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> {
    // DNS rebinding: checked before anything is read or any server is made.
    if (!this.hostAllowed(req, res)) return;
    if (this.closing) return refuseClosing(res);
    const authInfo = this.options.authenticate ? await this.options.authenticate(req, res) : undefined;
    if (authInfo === false) return finishRefusedAuth(res);
    // close() began while `authenticate` ran: its session may be gone already, and a 404 would send
    // the client to open a new one.
    if (this.closing) return refuseClosing(res);
    // The SDK transport hands `req.auth` to handlers as `extra.authInfo`.
    if (authInfo) (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    if (this.options.sessions === false) return this.serveStateless(req, res, parsedBody, authInfo);
    // 405 as the SDK transport answers them, with a session id or not (without one they got 400 "Mcp-Session-Id header is required").
    if (!SESSION_METHODS.includes(req.method ?? '')) return refuseMethod(res, SESSION_METHODS.join(', '), 'Method not allowed.');

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      // Another principal's session is answered as an unknown one: ids are not capabilities.
      if (!session || session.principal !== principalOf(authInfo)) return refuse(res, 404, -32001, 'Session not found');
      this.sessions.track(session, res);
      const body = await this.bodyOf(req, res, parsedBody);
      if (!body) return;
      // close() or a DELETE came while the body arrived: the session's transport is closed.
      if (this.closing) return refuseClosing(res);
      if (this.sessions.get(sessionId) !== session) return refuse(res, 404, -32001, 'Session not found');
      return session.transport.handleRequest(req, res, body.value);
    }
    if (req.method !== 'POST') return refuse(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    // Counted until its session is in the table (closeAll closes it) or it has none.
    await this.whileOpening(this.openSession(req, res, parsedBody, authInfo));
  }

  private async openSession(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<void> {
    // Taken before the body is read and a server made: the slots bound what a client can make the host hold.
    const slot = this.caps.take(principalOf(authInfo));
    if (!('release' in slot)) return refuseSession(res, slot);
    try {
      const body = await this.bodyOf(req, res, parsedBody);
      const server = body && (await this.serverFor(req, res, authInfo));
      if (!body || !server) return;
      // Its client left while createServer ran: a session opened now is one nobody knows the id of,
      // holding its server and slot until idle expiry.
      if (res.closed) return await server.close();
      await this.openWith(server, req, res, body.value, slot);
    } finally {
      // Without a session (refused, 413, cut off, not an initialize, a throw) the request gives it back.
      if (!slot.kept) slot.release();
    }
  }

  private async openWith(server: HostedServer, req: IncomingMessage, res: ServerResponse, body: unknown, slot: SessionSlot): Promise<void> {
    const transport: HttpTransport = createHttpTransport({
      ...this.transportOptions(),
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        // The session now holds the slot: the table gives it back when the session leaves.
        slot.kept = true;
        this.sessions.add({ id, transport, server, principal: slot.principal, slot });
        this.sessions.track(this.sessions.get(id)!, res);
      },
    });
    // Set before connect: the SDK's Protocol keeps this handler and calls it before its own.
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.forget(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    // Not an initialize (or refused by the transport: 400, 406, 415): there is no session to keep.
    if (!transport.sessionId) await server.close();
  }

  private async serveStateless(
    req: IncomingMessage,
    res: ServerResponse,
    parsedBody: unknown,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    if (req.method !== 'POST') return refuseMethod(res, 'POST', 'Method not allowed: stateless server');
    const body = await this.bodyOf(req, res, parsedBody);
    if (!body) return;
    // Counted only until its server is tied to the response: handleRequest lasts as long as the
    // response streams, and close() ends that response (by closing the server).
    const server = await this.whileOpening(this.statelessServer(req, res, authInfo));
    if (!server) return;
    // close() began while the request left `opening`: its server is closed with this answer.
    if (this.closing) return refuseClosing(res);
    // Its server is closed when the response ends.
    const transport = createHttpTransport(this.transportOptions());
    await server.connect(transport);
    await transport.handleRequest(req, res, body.value);
  }

  /** The server of a stateless request, closed when its response ends (or at once when it has). */
  private async statelessServer(
    req: IncomingMessage,
    res: ServerResponse,
    authInfo: AuthInfo | undefined,
  ): Promise<HostedServer | undefined> {
    const server = await this.serverFor(req, res, authInfo);
    if (!server) return undefined;
    // Its client left while createServer ran: that 'close' has fired, and no later one would close the server.
    if (res.closed) return void (await server.close());
    this.statelessServers.add(server);
    // The response may stream (SSE) after handleRequest returns; the server lives until it ends.
    res.once('close', () => {
      if (this.statelessServers.delete(server)) void server.close().catch(() => undefined);
    });
    return server;
  }

  /**
   * The request's server from `createServer`, or undefined with 503 answered when {@link close} has
   * begun since the first check (during `authenticate`, or while `createServer` ran).
   */
  private async serverFor(req: IncomingMessage, res: ServerResponse, authInfo: AuthInfo | undefined): Promise<HostedServer | undefined> {
    const server = this.closing ? undefined : await this.options.createServer({ request: req, ...(authInfo ? { authInfo } : {}) });
    if (server && !this.closing) return server;
    refuseClosing(res);
    await server?.close();
    return undefined;
  }

  /**
   * The body the transport is handed, read and checked before any server is made (transportBody.ts).
   * Undefined when answered here (413, -32700, a batch too long, -32600) or when the request is gone
   * (cut off: bodyDeadline.ts answered it, or close() ended it).
   */
  private async bodyOf(req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<{ value: unknown } | undefined> {
    const read = await transportBody(req, parsedBody, this.maxBodyBytes, this.readingBody);
    if ('value' in read) return read;
    if ('status' in read) refuse(res, read.status, read.code, read.message);
    return undefined;
  }

  /** Keeps `work` in {@link opening} until it settles. */
  private whileOpening<T>(work: Promise<T>): Promise<T> {
    // Its failure is the caller's to handle; close() only waits for it.
    const settled = work.catch(() => undefined);
    this.opening.add(settled);
    void settled.finally(() => this.opening.delete(settled));
    return work;
  }

  /** The transport reads no body (bodyOf has), so it gets no body limit. */
  private transportOptions(): { allowedOrigins?: string[] } {
    return this.allowedOrigins ? { allowedOrigins: this.allowedOrigins } : {};
  }
}
