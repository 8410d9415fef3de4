/**
 * The SDK v2 demo's 2025-11-25 sessions (`src/demo/v2.ts`): v2 ships no session manager for Node, and
 * the demo kept every session in a plain map until a DELETE. A client that initialized and went away
 * left its server (about 57 KB measured) for good, and nothing bounded how many it opened: 2,000
 * initializes grew the heap by 115 MB. These are held as `McpHttpHost` holds SDK v1's: the same
 * table (idle expiry), the same caps (503 / -32029, per principal too) and the same binding (a
 * session answers only the principal that opened it; any other gets 404 -32001).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/server';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { SessionTable } from '../http/SessionTable.js';
import { SessionCaps, principalOf, refuseSession } from '../http/sessionCaps.js';
import { timerOption } from '../timerBounds.js';

/** How long and how many 2025-11-25 sessions the v2 demo holds (as `McpHttpHostOptions`' fields of the same names). */
export interface V2SessionOptions {
  /** A session with no request in flight this long is closed. Default 30 minutes; `0` or `Infinity`: never. */
  idleTimeoutMs?: number;
  /** Sessions at once, those open and those being opened. Default 10,000. */
  maxSessions?: number;
  /** The same per authenticated principal. Default 100. */
  maxSessionsPerPrincipal?: number;
}

/** `McpHttpHost`'s default idle time. */
const DEFAULT_IDLE_MS = 30 * 60_000;

/** The demo's 2025-11-25 sessions, each a v2 transport and its own server. */
export class LegacySessionsV2 {
  private readonly table: SessionTable<WebStandardStreamableHTTPServerTransport>;
  private readonly caps: SessionCaps;

  /** @throws RangeError for an option out of range (as McpHttpHost's). */
  constructor(
    private readonly createServer: () => McpServer,
    options: V2SessionOptions = {},
  ) {
    this.table = new SessionTable(timerOption('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_MS, true) ?? 0);
    this.caps = new SessionCaps(options.maxSessions, options.maxSessionsPerPrincipal);
  }

  /** Sessions open now. */
  get size(): number {
    return this.table.size;
  }

  /**
   * Serves a 2025-11-25 request: on its session (`mcp-session-id`), or on a new transport and server
   * (an initialize opens a session). Undefined when it was answered on `res` already (over a cap).
   */
  async serve(request: Request, authInfo: AuthInfo | undefined, res: ServerResponse): Promise<Response | undefined> {
    const extra = authInfo ? { authInfo } : undefined;
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = this.table.get(sessionId);
      if (!session || session.principal !== principalOf(authInfo)) return jsonRpcError(404, -32001, 'Session not found');
      this.table.track(session, res);
      return session.transport.handleRequest(request, extra);
    }
    const slot = this.caps.take(principalOf(authInfo));
    if (!('release' in slot)) return void refuseSession(res, slot);
    try {
      const server = this.createServer();
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          // The session now holds the slot: the table gives it back when the session leaves.
          slot.kept = true;
          this.table.add({ id, transport, server, principal: slot.principal, slot });
          // Idle from when this answer is over, not from when it began.
          this.table.track(this.table.get(id)!, res);
        },
        onsessionclosed: (id) => this.table.forget(id),
      });
      // Before connect: v2's Protocol keeps this handler and calls it on close (idle expiry, close()).
      transport.onclose = () => {
        if (transport.sessionId) this.table.forget(transport.sessionId);
      };
      await server.connect(transport);
      const response = await transport.handleRequest(request, extra);
      // Not an initialize (or refused): no session holds this server.
      if (!transport.sessionId) await server.close();
      return response;
    } finally {
      if (!slot.kept) slot.release();
    }
  }

  /** Closes every session's server. */
  closeAll(): Promise<void> {
    return this.table.closeAll();
  }
}

/** A JSON-RPC error answer to a request that was not served (id null). */
function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: { code, message } }, { status });
}
