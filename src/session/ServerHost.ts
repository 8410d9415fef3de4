/**
 * The ports an SDK line implements (src/sdk/<line>/): what the session layer needs of any MCP
 * server, whichever SDK made it. Types only; nothing here knows an SDK's classes or internals.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  ClientCapabilities,
  InitializeResult,
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCResponse,
  RequestId,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ClientRequestOptions } from '../engine/ClientTasks.js';
import type { RequestStream } from '../engine/workContext.js';

export type { RequestStream };

/** One issue of a failed `outputSchema` check (a zod issue's path and message), for the SDK line to word. */
export interface OutputIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The methods the dispatcher serves (each request classified once). */
export type TaskMethod = 'tools/call' | 'tasks/get' | 'tasks/result' | 'tasks/list' | 'tasks/cancel' | 'tasks/update';

/** Who sent a request, as far as the transport knows (what `identify` and the anonymity policy read). */
export interface RequestCaller {
  sessionId?: string;
  authInfo?: AuthInfo;
  /** The request came over HTTP (v1: `extra.requestInfo` present): `'auto'` treats it as anonymous without session/auth. */
  overHttp: boolean;
}

/** One incoming request as every handler sees it, whichever SDK line delivered it. */
export interface IncomingRequest {
  readonly method: string;
  /** Params exactly as on the wire, unvalidated. An SDK that lifts fields out (v2: inputResponses, the 2026 envelope) puts them back here. */
  readonly params: unknown;
  readonly id: RequestId;
  /** Aborts when the client cancels the request or its connection closes. */
  readonly signal: AbortSignal;
  readonly caller: RequestCaller;
  readonly stream: RequestStream;
  /**
   * The SDK's own context of this request (v1: the raw JSON-RPC request and its handler extra).
   * Only the adapter that made it reads it, e.g. to call the server's `previous` handler;
   * `{ ...request, params }` keeps it.
   */
  readonly native: unknown;
}

/** A plain handler: resolves with the exact result for the wire; throws `McpError` (src/wire.ts) for a JSON-RPC error. */
export type RequestHandler = (request: IncomingRequest) => Promise<Record<string, unknown>>;

/** A response from the client to a server→client request. */
export type ClientResponse = JSONRPCResponse | JSONRPCErrorResponse;

/** One transport connection of one server. */
export interface ConnectionPort {
  /** Stable id for callers without a session (stdio, in-memory): the `connectionId` of CallerInfo. */
  readonly id: string;
  readonly closed: boolean;
  /**
   * The standalone stream, where the transport can tell (Streamable HTTP: the client's GET); absent
   * where that stream lives as long as the connection (stdio, in memory). A message sent while it is
   * not open is not delivered (the SDK drops it or keeps it for a replay), and one sent before a loss
   * may never have been read.
   */
  readonly standalone?: StandaloneStream;
  /**
   * The response to a client's request carries its answer and nothing else (Streamable HTTP in
   * JSON-response mode): the transport drops any other message sent with a `relatedRequestId`
   * without an error, so a task's messages go on the standalone stream instead.
   */
  readonly answersOnly?: boolean;
  /** No standalone stream can ever open (stateless Streamable HTTP: no session for a GET to join). */
  readonly sessionless?: boolean;
  /** Sends on the response stream of `relatedRequestId`, else on the standalone stream; rejects once closed. */
  send(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void>;
}

/** What a connection knows of its standalone stream. */
export interface StandaloneStream {
  /** Whether a standalone stream is open now. */
  readonly open: boolean;
  /** How many standalone streams have ended so far. */
  readonly losses: number;
  /** Calls `listener` each time a standalone stream opens or drops; returns its removal. */
  readonly onChange: (listener: (change: 'opened' | 'dropped') => void) => () => void;
}

/** The session router's side of a connection (implemented by session/SessionRouter.ts). */
export interface ConnectionListener {
  opened(connection: ConnectionPort): void;
  /**
   * Every client response, before the SDK sees it; true = it answered a task's request and is consumed.
   * `caller`, where the transport tells (v1: its session id, auth and HTTP request info), lets an
   * answer POSTed without a session (stateless HTTP) reach its task when the caller owns it.
   */
  response(connection: ConnectionPort, response: ClientResponse, caller?: RequestCaller): boolean;
  closed(connection: ConnectionPort): void;
}

/** One SDK server (one session on Streamable HTTP), as its SDK line's adapter drives it. */
export interface ServerHost {
  /** Adds capabilities (before connect; before the methods they cover are handled). */
  registerCapabilities(capabilities: ServerCapabilities): void;
  /**
   * Serves `method` with `handler`, replacing what was there. No SDK result check is applied (the
   * handler returns the exact wire result; rev2025's tools/call applies the SDK's checks itself).
   * The server's own `tools/call` / `tools/list` handlers stay reachable through `previous`.
   */
  handle(method: TaskMethod | 'tools/list', handler: RequestHandler): void;
  /** The server's own handler, captured when the host was made (v1: after McpServer installed its tool handlers). */
  previous(method: 'tools/call' | 'tools/list'): RequestHandler | undefined;
  /** Whether the server's own API registered this tool; undefined when the server keeps no registry the adapter can read (a low-level Server). */
  hasOwnTool(name: string): boolean | undefined;
  /**
   * From now on, the server's own tool registration (McpServer's `registerTool`) throws the SDK's
   * "Tool … is already registered" for a name `taken` reports (the task tools). No-op on a low-level Server.
   */
  refuseOwnTools(taken: (name: string) => boolean): void;
  /**
   * The text of the `isError` result this SDK line's McpServer gives for a result that fails the
   * tool's output schema (`issues` undefined: no `structuredContent`), in that line's words.
   * A function of the SDK line alone, closing over no server: a running task keeps it, and a task
   * outlives its session, which must not keep that session's server (about 90 KB) with it.
   */
  readonly outputErrorText: (tool: string, issues: readonly OutputIssue[] | undefined) => string;
  /** Sends `notifications/tools/list_changed` if the server is connected (never throws; a lost send is dropped, as McpServer does). */
  sendToolListChanged(): void;
  /** Rewrites every `initialize` result (e.g. drops `tasks.list` for anonymous callers). */
  transformInitialize(transform: (result: InitializeResult, caller: RequestCaller) => InitializeResult): void;
  /** Client capabilities declared at `initialize`; undefined before it and on stateless serving. */
  clientCapabilities(): ClientCapabilities | undefined;
  /** From now on, tells `listener` about each connection this server makes (v1: wraps `connect`). */
  listen(listener: ConnectionListener): void;
  /**
   * Sends a request to the client outside any incoming request (the session's standalone stream)
   * and resolves with its result as `schema` parses it. Absent where the SDK line cannot.
   */
  request?<T>(
    request: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType<T>,
    options?: ClientRequestOptions,
  ): Promise<T>;
  /** From now on, calls `listener` with the params of each `notifications/tasks/status` the client sends. */
  onTaskStatus?(listener: (params: unknown) => void): void;
}
