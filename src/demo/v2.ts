/**
 * The demo on SDK v2 (`npm start -- --sdk v2`): the same four tools on a v2 McpServer, one endpoint
 * serving both eras. 2026-07-28 requests go to `createMcpHandler` (stateless: a server per request,
 * the task engine outside it, so any request reaches any task); 2025-11-25 requests (no envelope,
 * told apart by v2's `isLegacyRequest`) get a sessionful transport, the only way v2 lets a server send
 * requests (elicitation, sampling) to a legacy client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TaskSupport } from '../TaskSupport.js';
import { demoBackend } from './backend.js';
import { demoBearerAuth } from './bearerAuth.js';
import type { DemoConfig } from './config.js';
import { bodyTimeoutOf, limitBodyArrival } from '../http/bodyDeadline.js';
import { hostMatchesTarget, pathOf } from '../http/requestTarget.js';
import { listenUrl } from '../http/urlHost.js';
import { SESSION_METHODS } from '../http/refuse.js';
import { healthRoute } from './health.js';
import { RefusedRequest, checkHost, readBody, sendRefusal } from './httpGuards.js';
import { loopbackHostNames } from '../http/loopback.js';
import { OperatorGate } from './operator.js';
import type { OperatorOptions } from './operator.js';
import { cannotListen } from './lifecycle.js';
import { LegacySessionsV2 } from './legacySessionsV2.js';
import type { V2SessionOptions } from './legacySessionsV2.js';
import { registerDemoTaskTools } from './tools.js';
import { writeBody } from './writeBody.js';
import type { DemoToolOptions } from './tools.js';

/** The demo's McpServer on SDK v2: echo, countdown, approve, summarize. */
export function createDemoMcpServerV2(tasks: TaskSupport, options: DemoToolOptions = {}): McpServer {
  const server = new McpServer({ name: 'mcp-task-actors-demo', version: '0.1.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text (no task support)', inputSchema: { text: z.string() } },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  registerDemoTaskTools(tasks, server, options);
  tasks.enable(server);
  return server;
}

/** The v2 demo's HTTP options: its 2025-11-25 sessions', and how long a request body may take to arrive. */
export interface V2HttpOptions extends V2SessionOptions {
  /**
   * As `McpHttpHostOptions.requestBodyTimeoutMs`: a request whose body has not all arrived this long
   * after its headers is answered 408 (a JSON-RPC error) and its connection closed. Default 30 s;
   * `0` or `Infinity`: none (Node's 300 s `requestTimeout` still applies).
   */
  requestBodyTimeoutMs?: number;
}

export interface RunningV2Demo {
  url: string;
  /** 2025-11-25 sessions open now. */
  readonly sessions: number;
  close(): Promise<void>;
}

/**
 * Serves the v2 demo on `host:port` at /mcp (bearer tokens as in the v1 demo: a principal per token),
 * and `GET /health` as the v1 demo does (task counts only to the operator, see `OperatorOptions`).
 * 2025-11-25 sessions expire when idle and are capped as `McpHttpHost`'s are, and request bodies bounded as its are (`httpOptions`).
 */
export async function serveHttpV2(
  tasks: TaskSupport,
  port: number,
  host: string,
  options: DemoToolOptions = {},
  operator: OperatorOptions = {},
  httpOptions: V2HttpOptions = {},
): Promise<RunningV2Demo> {
  const { requestBodyTimeoutMs, ...sessionOptions } = httpOptions;
  const bodyMs = bodyTimeoutOf(requestBodyTimeoutMs);
  const gate = new OperatorGate(operator, host);
  const handler = createMcpHandler(() => createDemoMcpServerV2(tasks, options), { legacy: 'reject' });
  // subscriptions/listen with taskIds (notifications/tasks) is served by TaskSupport, the rest by v2.
  const modern = { fetch: tasks.withTaskSubscriptions((request, opts) => handler.fetch(request, opts)), close: () => handler.close() };
  const sessions = new LegacySessionsV2(() => createDemoMcpServerV2(tasks, options), sessionOptions);

  // On a loopback interface (any: 127.0.0.2 too) only loopback Host names: DNS rebinding.
  const hosts = loopbackHostNames(host);
  const httpServer = http.createServer((req, res) => {
    void (async () => {
      checkHost(req, hosts);
      // As McpHttpHost: an absolute-form target (`GET http://evil.example/mcp`) is answered for its own host only.
      if (!hostMatchesTarget(req)) throw new RefusedRequest(400, 'Bad Request: Host header does not match the request target');
      if (healthRoute(tasks, req, res, gate.check(req))) return;
      // The path exactly, in either target form (`/mcpx` is not the endpoint; `http://localhost/mcp` is).
      if (pathOf(req) !== '/mcp') throw new RefusedRequest(404, 'Not found');
      const authInfo = demoBearerAuth(req);
      // A body that stalls held its socket and this handler until Node's 300 s requestTimeout.
      if (bodyMs !== undefined) limitBodyArrival(req, res, bodyMs);
      const request = await toRequest(req, res);
      const response = (await isLegacyRequest(request.clone()))
        ? await sessions.serve(request, authInfo, res)
        : await modern.fetch(request, authInfo ? { authInfo } : undefined);
      // Answered already (a session cap refused it).
      if (!response) return;
      res.writeHead(response.status, Object.fromEntries(response.headers));
      // Headers now: an event stream may carry nothing for a while, and its client waits for them.
      res.flushHeaders();
      // SSE responses stay open while a task's messages flow: write chunks as they come. A client
      // that goes away cancels the body, so v2 forgets that stream (else its next GET gets 409).
      await writeBody(response, res);
      res.end();
    })().catch((error: unknown) => {
      if (error instanceof RefusedRequest) return sendRefusal(res, error);
      // Cut off (a stalled body, answered 408) or gone mid-body: nothing to answer, nothing to log.
      if (req.destroyed && !req.complete) return;
      // As McpHttpHost: the error's text (a host name, a path) goes to the log, not to the client.
      console.error('mcp-task-actors demo: a request failed (answered 500)', error);
      sendRefusal(res, new RefusedRequest(500, 'Internal error', -32603));
    });
  });
  // A taken port or unknown host rejects here, for the caller to report, instead of an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  return {
    // The bound address, as McpHttpHost prints it (a zone the kernel dropped is not printed).
    url: listenUrl(address.address, address.port, '/mcp'),
    get sessions() {
      return sessions.size;
    },
    close: async () => {
      await modern.close();
      await sessions.closeAll();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/**
 * `req` as a fetch Request whose signal aborts when the client goes away before its answer is
 * finished: v2 aborts the handler on it, so an unanswered call's task is cancelled, not promoted to
 * nobody (still running, holding a live-task slot). A finished answer also closes `res`: no abort then.
 */
async function toRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<Request> {
  // A method no fetch Request can carry (of those Node's parser hands a request handler; CONNECT goes
  // to its 'connect' event): the Request constructor threw, answered 500 with a stack in the log.
  // With `Allow` (RFC 9110 requires it on a 405), as v2's own 405 to PUT or OPTIONS says it.
  if (req.method === 'TRACE')
    throw new RefusedRequest(405, `Method not allowed: ${req.method}`, -32000, { allow: SESSION_METHODS.join(', ') });
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  const body = await readBody(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const hasBody = body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://127.0.0.1${originFormOf(req.url ?? '/')}`, {
    method: req.method ?? 'GET',
    headers,
    signal: gone.signal,
    ...(hasBody ? { body } : {}),
  });
}

/** The path and query of a target whose path is `/mcp`: as sent, or those of an absolute-form one. */
function originFormOf(target: string): string {
  if (target.startsWith('/')) return target;
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}

/**
 * `npm start -- --sdk v2`: PORT, HOST, REDIS_URL and /health as in the v1 demo (no live view or
 * Stately inspector here yet). Returns its stop (for the signal handlers of `main.ts`).
 */
export async function runV2Demo(config: Pick<DemoConfig, 'port' | 'host' | 'operator' | 'secondMs'>): Promise<() => Promise<void>> {
  const { port, host, operator, secondMs } = config;
  const backend = await demoBackend();
  const tasks = new TaskSupport(backend.options);
  const running = await serveHttpV2(tasks, port, host, secondMs ? { secondMs } : {}, operator).catch((error: unknown) => {
    throw cannotListen(host, port, error);
  });
  // One write, as the v1 demo's banner.
  console.log(
    `mcp-task-actors demo: MCP endpoint ${running.url} (SDK v2; 2026-07-28 stateless, 2025-11-25 sessionful; ${backend.description})\n` +
      'tools: countdown (optional task), echo, approve (elicitation), summarize (sampling)',
  );
  return async () => {
    await tasks.close();
    await running.close();
    await backend.close();
  };
}
