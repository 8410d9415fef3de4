import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpHttpHost } from '../http/index.js';
import type { TaskSupport } from '../TaskSupport.js';
import { OperatorGate } from './operator.js';
import type { OperatorAccess, OperatorOptions } from './operator.js';

/** A running Streamable HTTP endpoint with one MCP server per session, all sharing one TaskSupport. */
export interface RunningHttpServer {
  url: string;
  http: HttpServer;
  /** The library's host serving `/mcp` (sessions, Host check, body limit). */
  host: McpHttpHost;
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
  /** `false`: stateless, a server per POST (McpHttpHostOptions.sessions). Default true. */
  sessions?: boolean;
  /** Sets `req.auth` for the SDK transport (which hands it to handlers as `authInfo`). */
  authenticate?: (req: IncomingMessage) => AuthInfo | undefined;
  /**
   * Extra routes tried for paths other than `/mcp` (e.g. health, the live view); return true when
   * handled. `access` says whether this request may see the operator surface.
   */
  routes?: (req: IncomingMessage, res: ServerResponse, access: OperatorAccess) => boolean | Promise<boolean>;
}

/** Serves `createSession()` servers at `http://host:port/mcp` through `mcp-task-actors/http`. */
export async function serveHttp(
  tasks: TaskSupport,
  createSession: (tasks: TaskSupport) => McpServer,
  options: ServeHttpOptions = {},
): Promise<RunningHttpServer> {
  const operator = new OperatorGate(options.operator ?? {}, options.host ?? '127.0.0.1');
  const host = new McpHttpHost({
    createServer: () => createSession(tasks),
    host: options.host ?? '127.0.0.1',
    ...(options.sessions === false ? { sessions: false } : {}),
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
  });
  const routes = options.routes;
  const { url, http } = await host.listen({
    port: options.port ?? 3000,
    ...(routes ? { fallback: (req: IncomingMessage, res: ServerResponse) => routes(req, res, operator.check(req)) } : {}),
  });
  return { url, http, host, operator, close: () => host.close() };
}
