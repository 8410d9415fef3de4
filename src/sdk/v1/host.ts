import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { InitializeResult, JSONRPCRequest, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { RequestHandler, ServerHost } from '../../session/ServerHost.js';
import { currentRequestHandler, installMcpServerToolHandlers, mcpServerHasTool, requestEntry } from './internals.js';
import type { RawRequestHandler } from './internals.js';
import { nativeOf, toIncomingRequest } from './request.js';
import type { ServerExtra } from './request.js';
import { wrapTransport } from './transport.js';
import { DirectRequests } from './DirectRequests.js';
import { refuseToolNames } from '../refuseToolNames.js';
import { outputValidationMessage, v1Issues } from '../outputValidation.js';
import { checkInitializeParams } from '../../session/params.js';

/** A schema that lets every params through: the handlers check params themselves (-32602 with a readable message, not a ZodError's -32603). */
function lenient(method: string) {
  return z.object({ method: z.literal(method), params: z.unknown().optional() });
}

/**
 * ServerHost's `outputErrorText` on SDK v1: McpServer answers with the McpError's message,
 * "MCP error -32602: " included. At module level, so a task that keeps it keeps no server.
 */
const v1OutputErrorText: ServerHost['outputErrorText'] = (tool, issues) =>
  new McpError(ErrorCode.InvalidParams, outputValidationMessage(tool, issues && v1Issues(issues))).message;

type Install = (
  this: Server,
  schema: ReturnType<typeof lenient>,
  handler: (request: { method: string; params?: unknown }, extra: ServerExtra) => Promise<Record<string, unknown>>,
) => void;

/**
 * The ServerHost of an SDK v1 server (a low-level `Server`, with the `McpServer` around it if
 * any). Made once per server: for an McpServer it first makes McpServer install its own tool
 * handlers, then captures them as `previous`.
 * @internal
 */
export function createHost(server: Server, mcpServer: McpServer | undefined): ServerHost {
  if (mcpServer) installMcpServerToolHandlers(mcpServer);
  // listChanged as McpServer declares it: a task tool's handle announces its changes.
  else server.registerCapabilities({ tools: { listChanged: true } });
  const direct = new DirectRequests(server);
  const previous = {
    'tools/call': wrapRaw(currentRequestHandler(server, 'tools/call')),
    'tools/list': wrapRaw(currentRequestHandler(server, 'tools/list')),
  };
  return {
    registerCapabilities: (capabilities) => server.registerCapabilities(capabilities),
    handle: (method, handler) => {
      const serve = (request: { method: string; params?: unknown }, extra: ServerExtra) => handler(toIncomingRequest(request, extra));
      // tools/call is installed with the base Protocol method: `Server`'s own would validate every
      // result as a CallToolResult (adding `content: []` to the extension's CreateTaskResult); the
      // 2025-11-25 handler applies the same checks itself (rev2025-11-25/wire.ts checkToolCallResult).
      if (method === 'tools/call') (Protocol.prototype.setRequestHandler as unknown as Install).call(server, lenient(method), serve);
      else server.setRequestHandler(lenient(method), serve);
      direct.add(method, handler);
    },
    previous: (method) => previous[method],
    hasOwnTool: (name) => (mcpServer ? mcpServerHasTool(mcpServer, name) : undefined),
    refuseOwnTools: (taken) => {
      if (mcpServer) refuseToolNames(mcpServer, ['registerTool', 'tool'], taken);
    },
    outputErrorText: v1OutputErrorText,
    sendToolListChanged: () => {
      if (server.transport) server.sendToolListChanged().catch(() => {});
    },
    transformInitialize: (transform) => {
      const initialize = currentRequestHandler(server, 'initialize');
      if (!initialize) throw new Error('Unsupported @modelcontextprotocol/sdk: Server has no initialize handler');
      // Lenient, and checked here first: the SDK's schema would answer malformed params with a ZodError's JSON (-32603).
      server.setRequestHandler(lenient('initialize'), async (request, extra) => {
        checkInitializeParams(request.params);
        const result = (await initialize(request as unknown as JSONRPCRequest, extra)) as InitializeResult;
        return transform(result, toIncomingRequest(request, extra).caller);
      });
    },
    clientCapabilities: () => server.getClientCapabilities(),
    request: (request, schema, options) => server.request(request as ServerRequest, schema as never, options) as never,
    onTaskStatus: (listener) =>
      server.setNotificationHandler(TaskStatusNotificationSchema, (notification) => listener(notification.params)),
    listen: (listener) => {
      const connect = server.connect.bind(server);
      const entry = requestEntry(server);
      server.connect = (transport: Transport) => connect(wrapTransport(transport, listener, entry && direct.router(transport, entry)));
    },
  };
}

/** The SDK's raw handler as a RequestHandler (it gets the request's current params: the extension strips `task`). */
function wrapRaw(raw: RawRequestHandler | undefined): RequestHandler | undefined {
  if (!raw) return undefined;
  return async (request) => {
    const { request: message, extra } = nativeOf(request);
    return (await raw(message, extra)) as Record<string, unknown>;
  };
}
