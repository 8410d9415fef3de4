import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { RateLimiter } from '../engine/RateLimiter.js';
import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { IncomingRequest, RequestHandler, ServerHost, TaskMethod } from './ServerHost.js';
import type { SessionRouter } from './SessionRouter.js';
import type { TaskToolDefinition } from './toolRegistry.js';

/**
 * How one request is served, decided once from its params:
 * - `rev2025-11-25`: no per-request client capabilities in `_meta` (a 2025-11-25 client; `params.task` opts in).
 * - `tasksExtension`: `_meta["io.modelcontextprotocol/clientCapabilities"]` present (a 2026-style
 *   client; `params.task` is ignored, SEP-2663); `declared` says whether it declared the extension.
 */
export type Route = { protocol: 'rev2025-11-25' } | { protocol: 'tasksExtension'; capabilities: ClientCapabilities; declared: boolean };

/** What TaskSupport keeps per SDK server. */
export interface ServerSession {
  readonly host: ServerHost;
  /** The task tools registered on this server, by name. */
  readonly tools: Map<string, TaskToolDefinition>;
  readonly router: SessionRouter;
  /** `enable()` was called: the tasks/* methods and the extension are served. */
  enabled: boolean;
  /** tools/call and tools/list are served (at the first registerTool or enable). */
  toolsServed: boolean;
}

/** Everything a protocol handler gets: the request, its caller's owner id, its route, its server. */
export interface RequestScope {
  readonly request: IncomingRequest;
  readonly owner: string;
  readonly route: Route;
  readonly server: ServerSession;
}

/** A protocol's handler of one method. */
export type MethodHandler = (scope: RequestScope) => Promise<Record<string, unknown>>;
/** A protocol's methods. */
export type ProtocolHandlers = Partial<Record<TaskMethod, MethodHandler>>;
/** Every protocol's methods, by route (built by protocol/index.ts). */
export type ProtocolTable = Readonly<Record<Route['protocol'], ProtocolHandlers>>;

/** What the dispatcher is built from. */
export interface DispatchOptions {
  table: ProtocolTable;
  /** Which protocol a request speaks (protocol/index.ts); `extensionEnabled` false: always 2025-11-25. */
  classify(params: unknown, extensionEnabled: boolean): Route;
  /** false: every request is a 2025-11-25 request (`tasksExtension: false`). */
  extensionEnabled: boolean;
  /** One token per tasks/* request from the caller's bucket, taken before params are read. */
  operationRate: RateLimiter;
  /** The owner id of the request's caller on that server (caller.ts). */
  ownerOf(request: IncomingRequest, server: ServerSession): string;
}

/**
 * The one dispatch: the adapter installs this same handler for every method; each request is
 * classified once and handed to its protocol's plain function. No handler wraps another.
 */
export function createDispatcher(options: DispatchOptions): (server: ServerSession, method: TaskMethod) => RequestHandler {
  return (server, method) => async (request) => {
    // Asked only when needed (a plain tools/call of a server tool never asks `identify`).
    let owner: string | undefined;
    const ownerOnce = (): string => (owner ??= options.ownerOf(request, server));
    // Before params are read: malformed floods cost tokens too.
    if (method !== 'tools/call' && options.operationRate.enabled) options.operationRate.take(ownerOnce(), 'task requests');
    // The extension answers only once enable() ran: before it, a server serves tools/call only.
    const route = options.classify(request.params, options.extensionEnabled && server.enabled);
    const handler = options.table[route.protocol][method];
    if (!handler) throw mcpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    // Awaited: an async function that returns a promise unawaited takes two more turns to settle.
    // The scope stays a literal. As a class (not in dictionary mode: about 0.6 µs less a request)
    // a create near 100,000 live tasks cost twice as much (npm run bench, scale: 72.5 against 34.5
    // µs; near 1,000 no worse), with the same heap per task: a cause not pinned down (issue 14).
    return await handler({
      request,
      get owner() {
        return ownerOnce();
      },
      route,
      server,
    });
  };
}
