import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { TaskSupport } from '../TaskSupport.js';
import { OperatorGate } from './operator.js';
import type { OperatorAccess, OperatorOptions } from './operator.js';

/** A running Streamable HTTP endpoint with one MCP server per session, all sharing one TaskSupport. */
export interface RunningHttpServer {
  url: string;
  http: HttpServer;
  /** Who may see the operator surface (live view, per-task health) of this server. */
  operator: OperatorGate;
  /** Closes every session and the listener (the TaskSupport stays the caller's to close). */
  close(): Promise<void>;
}

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions {
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /**
   * The operator surface (see {@link OperatorOptions}): off unless enabled; on a host that is not
   * loopback it needs a token, else `serveHttp` rejects before listening.
   */
  operator?: OperatorOptions;
  /** Sets `req.auth` for the SDK transport (which hands it to handlers as `authInfo`). */
  authenticate?: (req: IncomingMessage) => AuthInfo | undefined;
  /**
   * Extra routes tried before `/mcp` (e.g. health, the live view); return true when handled.
   * `access` says whether this request may see the operator surface.
   */
  routes?: (req: IncomingMessage, res: ServerResponse, access: OperatorAccess) => boolean | Promise<boolean>;
  /**
   * Serve without sessions (`sessionIdGenerator: undefined`): every POST gets a server and transport
   * of its own, GET and DELETE answer 405. Elicitation answers then arrive as their own POSTs and are
   * bound to the authenticated principal (anonymous callers: the task id is the only capability).
   */
  stateless?: boolean;
}

/** Serves `createSession()` servers at `http://host:port/mcp` (stateful sessions, or one server per POST when `stateless`). */
export async function serveHttp(
  tasks: TaskSupport,
  createSession: (tasks: TaskSupport) => McpServer,
  options: ServeHttpOptions = {},
): Promise<RunningHttpServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const operator = new OperatorGate(options.operator ?? {}, options.host ?? '127.0.0.1');
  const allowedHosts = LOOPBACK.includes(options.host ?? '127.0.0.1') ? LOOPBACK_NAMES : undefined;

  const http = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: String(error) } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: on loopback only loopback names, checked before any route reads anything.
    if (allowedHosts && !allowedHosts.includes(hostnameOf(req) ?? '')) {
      return jsonError(res, 403, -32000, `Invalid Host: ${req.headers.host ?? '(none)'}`);
    }
    if (options.routes && (await options.routes(req, res, operator.check(req)))) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') {
      res.writeHead(404).end('not found');
      return;
    }
    const auth = options.authenticate?.(req);
    if (auth) (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
    if (options.stateless) return serveStateless(req, res);
    const sessionId = header(req, 'mcp-session-id');
    // The body is never read here: the SDK transport reads it with its limit (413 over 4 MB) and
    // answers malformed JSON (400, -32700) and a first request that is not initialize (400).
    if (sessionId) {
      const existing = sessions.get(sessionId);
      if (!existing) return jsonError(res, 404, -32000, 'Session not found');
      return existing.handleRequest(req, res);
    }
    if (req.method !== 'POST') return jsonError(res, 400, -32000, 'Bad Request: no valid session id');
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = createSession(tasks);
    await server.connect(transport);
    await transport.handleRequest(req, res);
    if (!transport.sessionId) await server.close(); // not an initialize: nothing to keep
  }

  async function serveStateless(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return jsonError(res, 405, -32000, 'Method not allowed: this server is stateless (POST only)');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = createSession(tasks);
    // Closed with its response: a tasks/result stream stays open until the task is done.
    res.once('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  await new Promise<void>((resolve) => http.listen(options.port ?? 3000, options.host ?? '127.0.0.1', resolve));
  const { port, address } = http.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/mcp`,
    http,
    operator,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];
/** Host names that reach a loopback listener (the SDK's localhostHostValidation list). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function hostnameOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(`http://${req.headers.host ?? ''}`).hostname;
  } catch {
    return undefined;
  }
}

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}
