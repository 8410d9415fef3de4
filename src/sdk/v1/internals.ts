/**
 * The only file that touches members the SDK (v1, 1.32.x) does not export. Most are needed because
 * `McpServer` turns every error of `tools/call` into an `isError` result, where the spec demands
 * JSON-RPC errors (-32601) for task-support mismatches, so this library owns `tools/call` and
 * delegates the tools it does not serve; one saves the SDK's message sorting on requests already
 * checked here; the rest let DirectRequests serve this library's methods without the SDK's request
 * entry. `test/sdk/v1/internals.test.ts` and `test/sdk/v1/directRequests.test.ts` pin each assumption.
 * @internal
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { JSONRPCRequest, MessageExtraInfo, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** A handler as the SDK stores it: the raw request and its extra. */
export type RawRequestHandler = (
  request: JSONRPCRequest,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
) => Promise<unknown>;

interface ProtocolInternals {
  _requestHandlers: Map<string, RawRequestHandler>;
  _onrequest(request: JSONRPCRequest, extra?: MessageExtraInfo): void;
  _taskStore?: unknown;
  _taskMessageQueue?: unknown;
  assertTaskHandlerCapability?(method: string): void;
}

interface McpServerInternals {
  _registeredTools: Record<string, unknown>;
  setToolRequestHandlers(): void;
}

/** The handler currently installed for `method`, if any. */
export function currentRequestHandler(server: Server, method: string): RawRequestHandler | undefined {
  const handlers = (server as unknown as ProtocolInternals)._requestHandlers;
  if (!(handlers instanceof Map)) throw new Error('Unsupported @modelcontextprotocol/sdk: no request handler map');
  return handlers.get(method);
}

/** Makes `McpServer` install its tools/list and tools/call handlers now, so that ours can wrap them. */
export function installMcpServerToolHandlers(server: McpServer): void {
  const internals = server as unknown as McpServerInternals;
  if (typeof internals.setToolRequestHandlers !== 'function') {
    throw new Error('Unsupported @modelcontextprotocol/sdk: McpServer.setToolRequestHandlers is missing');
  }
  internals.setToolRequestHandlers();
}

/** Whether `McpServer` has a tool of that name registered by its own API. */
export function mcpServerHasTool(server: McpServer, name: string): boolean {
  const tools = (server as unknown as McpServerInternals)._registeredTools;
  return typeof tools === 'object' && tools !== null && Object.prototype.hasOwnProperty.call(tools, name);
}

/**
 * The SDK's own entry for one incoming request (what its `onmessage` calls once the message is
 * known to be a request), or undefined where this SDK has none. Its `onmessage` finds that out by
 * trying the message on three zod schemas: the result and error response schemas fail first,
 * building their issue lists, about 4 KB of allocation on every request (issue 14).
 */
export function requestEntry(server: Server): ((request: JSONRPCRequest, extra?: MessageExtraInfo) => void) | undefined {
  const internals = server as unknown as ProtocolInternals;
  if (typeof internals._onrequest !== 'function') return undefined;
  return (request, extra) => internals._onrequest(request, extra);
}

/** Whether the server was given the SDK's own tasks (a task store or message queue in its options). */
export function hasOwnSdkTasks(server: Server): boolean {
  const internals = server as unknown as ProtocolInternals;
  return internals._taskStore !== undefined || internals._taskMessageQueue !== undefined;
}

/** Throws as the SDK's request entry does for a task-augmented request whose method the server declared no task support for. */
export function assertTaskCapability(server: Server, method: string): void {
  (server as unknown as ProtocolInternals).assertTaskHandlerCapability?.(method);
}
