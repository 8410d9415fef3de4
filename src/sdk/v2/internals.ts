/**
 * The only file that touches members SDK v2 (@modelcontextprotocol/server 2.4.x) does not export.
 * Each is needed for the same reason as in v1: `McpServer` turns every error thrown in `tools/call`
 * into an `isError` result, where SEP-2663 demands a JSON-RPC error (-32021) for a required task
 * tool, so this library owns `tools/call` and hands the tools it does not serve to McpServer's own
 * handler, which v2 offers no public way to reach. test/sdk/v2/internals.test.ts pins each assumption.
 * Structural types only: nothing here imports v2 at runtime, so a v1 user never needs it installed.
 * @internal
 */

/** A handler as v2 stores it (already wrapped by `Server._wrapHandler`): the raw request and its context. */
export type V2StoredHandler = (
  request: { jsonrpc: '2.0'; id: string | number; method: string; params?: unknown },
  ctx: unknown,
) => Promise<unknown>;

/** What the host uses of a v2 low-level `Server` (public members, plus `_requestHandlers`). */
export interface V2LowServer {
  setRequestHandler(method: string, schemasOrHandler: unknown, handler?: unknown): void;
  registerCapabilities(capabilities: Record<string, unknown>): void;
  getClientCapabilities(): Record<string, unknown> | undefined;
  connect(transport: V2Transport): Promise<void>;
  sendToolListChanged(): Promise<void>;
  readonly transport?: V2Transport | undefined;
  /** Sends a request to the client on the session (legacy era, sessionful). */
  request?(request: { method: string; params?: Record<string, unknown> }, resultSchema: unknown, options?: unknown): Promise<unknown>;
  setNotificationHandler?(method: string, handler: (notification: { params?: unknown }) => void): void;
}

/** What the host uses of a v2 `McpServer`. */
export interface V2McpServer {
  readonly server: V2LowServer;
  registerTool(...args: never[]): unknown;
}

/** The transport members the session listener needs (same names as v1's Transport). */
export interface V2Transport {
  start(): Promise<void>;
  close(): Promise<void>;
  send(message: unknown, options?: { relatedRequestId?: string | number }): Promise<void>;
  onmessage?: ((message: unknown, extra?: unknown) => void) | undefined;
  onclose?: (() => void) | undefined;
  readonly sessionId?: string | undefined;
}

interface ServerInternals {
  _requestHandlers?: unknown;
  _onrequest?: unknown;
}

interface McpServerInternals {
  _registeredTools?: unknown;
  setToolRequestHandlers?: unknown;
}

/** The handler v2 has stored for `method`, if any. */
export function storedHandler(server: object, method: string): V2StoredHandler | undefined {
  const handlers = (server as unknown as ServerInternals)._requestHandlers;
  if (!(handlers instanceof Map)) throw new Error('Unsupported @modelcontextprotocol/server: no request handler map');
  return handlers.get(method) as V2StoredHandler | undefined;
}

/** Replaces the handler v2 stored for `method` (one `_requestHandlers` entry), e.g. to run a check before v2's own wrapper. */
export function replaceStoredHandler(server: object, method: string, handler: V2StoredHandler): void {
  const handlers = (server as unknown as ServerInternals)._requestHandlers;
  if (!(handlers instanceof Map)) throw new Error('Unsupported @modelcontextprotocol/server: no request handler map');
  handlers.set(method, handler);
}

/** Makes `McpServer` install its tools/list and tools/call handlers now, so that ours can wrap them. */
export function installMcpServerToolHandlers(server: object): void {
  const install = (server as unknown as McpServerInternals).setToolRequestHandlers;
  if (typeof install !== 'function')
    throw new Error('Unsupported @modelcontextprotocol/server: McpServer.setToolRequestHandlers is missing');
  install.call(server);
}

/** Whether `McpServer` has a tool of that name registered by its own API. */
export function mcpServerHasTool(server: object, name: string): boolean {
  const tools = (server as unknown as McpServerInternals)._registeredTools;
  return typeof tools === 'object' && tools !== null && Object.prototype.hasOwnProperty.call(tools, name);
}

/** v2's entry for one incoming request (see {@link requestEntry}). */
export type V2RequestEntry = (request: unknown, extra?: unknown) => void;

/**
 * v2's own entry for one incoming request (what its `onmessage` calls once the message is known
 * to be a request), or undefined where this v2 has none. Its `onmessage` finds that out by trying
 * the message on the result and error response schemas first, which fail on every request and
 * build their issue lists and errors (issue 14).
 */
export function requestEntry(server: object): V2RequestEntry | undefined {
  const onrequest = (server as unknown as ServerInternals)._onrequest;
  if (typeof onrequest !== 'function') return undefined;
  return (request, extra) => void onrequest.call(server, request, extra);
}
