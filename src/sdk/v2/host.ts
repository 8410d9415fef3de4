import type { ClientCapabilities, InitializeResult, JSONRPCMessage, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type {
  ClientResponse,
  ConnectionListener,
  ConnectionPort,
  IncomingRequest,
  RequestCaller,
  RequestHandler,
  ServerHost,
  TaskMethod,
} from '../../session/ServerHost.js';
import { installMcpServerToolHandlers, mcpServerHasTool, requestEntry, storedHandler } from './internals.js';
import { passRefusedRequestLines } from '../stdioRequestLines.js';
import { cancellationOf, guardRequestIds } from '../uniqueRequestIds.js';
import type { V2LowServer, V2McpServer, V2StoredHandler, V2Transport } from './internals.js';
import { isObject, toIncomingRequest, v2Native } from './request.js';
import { refuseToolNames } from '../refuseToolNames.js';
import { surelyValidRequest } from '../surelyValidRequest.js';
import { REQUEST, checkRequest, withoutIgnoredRelatedTask } from '../checkRequest.js';
import { outputValidationMessage, v2Issues } from '../outputValidation.js';
import { followStandaloneStream } from './standaloneStream.js';
import { guardRelatedSends, isSessionless } from '../guardRelatedSends.js';
import { checkInitializeParamsFirst, checkToolCallParamsFirst, keepInputResponses } from './paramsFirst.js';
import type { V2Context } from './request.js';
import { merged } from '../../merged.js';

type StoredRequest = Parameters<V2StoredHandler>[0];

/** Any params object: our handlers parse params themselves, with the messages both SDK lines share. */
const anyParams = { params: z.looseObject({}) };

/** The spec methods v2 lets a handler serve through its plain (two-argument) form, with its own request and result checks. */
const SPEC_TOOL_METHODS = new Set(['tools/call', 'tools/list']);

/**
 * ServerHost's `outputErrorText` on SDK v2: McpServer answers with the ProtocolError's message,
 * which v2 does not prefix. At module level, so a task that keeps it keeps no server.
 */
const v2OutputErrorText: ServerHost['outputErrorText'] = (tool, issues) => outputValidationMessage(tool, issues && v2Issues(issues));

let connections = 0;

/**
 * A `ServerHost` over a v2 `Server`, or over the `Server` behind a v2 `McpServer` (then its own tool
 * handlers are installed first and stay reachable through `previous`).
 *
 * What v2 decides and this host leaves to it, said where it matters:
 * - `tools/call` / `tools/list` go through v2's own wrapper (`Server._wrapHandler`), unlike on v1: it
 *   checks the request against the served era's schema and the result too (our params check runs
 *   in front of it, paramsFirst.ts, so malformed params get our one-line message), so a 2025-11-25
 *   `CreateTaskResult` must carry `content: []` (added here); it also turns a 2026 `resultType: "task"`
 *   result into the era's wire shape (adding `content: []`). Skipping it would mean replacing a
 *   protected method of v2's `Server` for the 2026 encoding v2 owns.
 * - `tasks/*` use the three-argument form, the only one v2 accepts for methods outside an era's
 *   registry, and the one through which it serves `tasks/get` / `tasks/cancel` in the 2026-07-28 era.
 */
export function createV2Host(server: V2LowServer, mcpServer?: V2McpServer): ServerHost {
  if (mcpServer) installMcpServerToolHandlers(mcpServer);
  // listChanged as McpServer declares it: a task tool's handle announces its changes.
  else server.registerCapabilities({ tools: { listChanged: true } });
  const previous = new Map<string, RequestHandler>();
  for (const method of SPEC_TOOL_METHODS) {
    const stored = storedHandler(server, method);
    if (stored) previous.set(method, callStored(method, stored));
  }
  return {
    registerCapabilities: (capabilities: ServerCapabilities) => server.registerCapabilities(capabilities as Record<string, unknown>),
    handle(method: TaskMethod | 'tools/list', handler: RequestHandler) {
      if (SPEC_TOOL_METHODS.has(method)) {
        server.setRequestHandler(method, async (request: { params?: Record<string, unknown> }, ctx: V2Context) => {
          const result = await handler(toIncomingRequest(method, request.params, ctx));
          return method === 'tools/call' ? withContentForTask(result) : result;
        });
        if (method === 'tools/call') checkToolCallParamsFirst(server);
        return;
      }
      server.setRequestHandler(method, anyParams, (params: Record<string, unknown>, ctx: V2Context) =>
        handler(toIncomingRequest(method, params, ctx)),
      );
    },
    previous: (method) => previous.get(method),
    hasOwnTool: (name) => (mcpServer ? mcpServerHasTool(mcpServer, name) : undefined),
    refuseOwnTools(taken: (name: string) => boolean) {
      if (mcpServer) refuseToolNames(mcpServer, ['registerTool'], taken);
    },
    outputErrorText: v2OutputErrorText,
    sendToolListChanged() {
      if (server.transport) server.sendToolListChanged().catch(() => {});
    },
    transformInitialize(transform: (result: InitializeResult, caller: RequestCaller) => InitializeResult) {
      // v2 keeps its `initialize` handler in the same table (2025-11-25 era only; `server/discover`
      // is answered inside v2's dispatch, and the 2026 era has no `tasks.list` to hide).
      const initialize = storedHandler(server, 'initialize');
      if (!initialize) throw new Error('Unsupported @modelcontextprotocol/server: Server has no initialize handler');
      server.setRequestHandler('initialize', async (request: StoredRequest, ctx: V2Context) => {
        const result = (await initialize(request, ctx)) as InitializeResult;
        return transform(result, toIncomingRequest('initialize', undefined, ctx).caller);
      });
      checkInitializeParamsFirst(server);
    },
    clientCapabilities: () => server.getClientCapabilities() as ClientCapabilities | undefined,
    // Legacy era on a session (the only place a 2025-11-25 client task can be asked for): v2's own request/notification API.
    ...(server.request && server.setNotificationHandler
      ? {
          request: (request, schema, options) => server.request!(request, schema, options) as never,
          onTaskStatus: (listener) =>
            server.setNotificationHandler!('notifications/tasks/status', (notification) => listener(notification.params)),
        }
      : {}),
    listen: (listener) => listenToConnections(server, listener),
  };
}

/** The server's own handler as a `RequestHandler`: v2's params and context of the request, `task` stripped where the caller stripped it. */
function callStored(method: string, stored: V2StoredHandler): RequestHandler {
  return async (request: IncomingRequest) => {
    const native = v2Native(request);
    if (!native) throw new Error(`mcp-task-actors: ${method} request was not made by the SDK v2 adapter`);
    const params = isObject(request.params) ? { ...request.params } : {};
    // Hand v2 its own `_meta` (without the capabilities we put back) and no lifted fields.
    delete params['inputResponses'];
    if (native.params['_meta'] === undefined) delete params['_meta'];
    else params['_meta'] = native.params['_meta'];
    const result = await stored({ jsonrpc: '2.0', id: request.id, method, params }, native.ctx);
    return result as Record<string, unknown>;
  };
}

/** v2 checks a 2025-11-25 `tools/call` result as a CallToolResult: a CreateTaskResult passes only with `content`. */
function withContentForTask(result: Record<string, unknown>): Record<string, unknown> {
  return 'task' in result && !('content' in result) ? merged(result, { content: [] }) : result;
}

/**
 * Wraps `connect` so that `listener` sees every connection and every client response first (the
 * answers to requests a task sent in the 2025-11-25 era), and, on Streamable HTTP, whether the
 * session's standalone stream is open (a push with none open would be dropped by v2). In the 2026-07-28 era nothing is sent to
 * the client outside a response, so the listener only ever sees legacy-era sessions' responses.
 * @internal
 */
export function listenToConnections(server: V2LowServer, listener: ConnectionListener): void {
  const connect = server.connect.bind(server);
  const entry = requestEntry(server);
  server.connect = async (transport: V2Transport) => {
    // v2's onmessage first hands each message to the transport's own earlier handler: with one
    // set, every message keeps going through v2's onmessage.
    const direct = transport.onmessage === undefined ? entry : undefined;
    // On stdio, a request v2's schema refuses would be dropped before it reaches onmessage.
    passRefusedRequestLines(transport);
    // On Streamable HTTP, a POST reusing an id in flight would take the first one's answer over.
    const ids = guardRequestIds(transport);
    await connect(transport);
    const standalone = followStandaloneStream(transport);
    // What v2's handlers send within a request, where JSON-response mode or stateless serving would
    // drop it unsaid; the session's own pushes (port.send) go out as they are.
    const send = transport.send.bind(transport);
    const guarded = guardRelatedSends(transport, send, () => standalone?.open);
    if (guarded !== send) transport.send = guarded;
    const port: ConnectionPort & { closed: boolean } = {
      id: `v2c${++connections}`,
      closed: false,
      ...(standalone ? { standalone } : {}),
      // JSON-response mode (`enableJsonResponse`, fixed at construction): v2 drops every message
      // but the answer sent for a request, without an error; the session pushes them instead.
      answersOnly: (transport as { _enableJsonResponse?: unknown })._enableJsonResponse === true,
      sessionless: isSessionless(transport),
      send: (message: JSONRPCMessage, relatedRequestId) => {
        if (port.closed) return Promise.reject(new Error('Connection closed'));
        return send(message, relatedRequestId === undefined ? undefined : { relatedRequestId });
      },
    };
    const onmessage = transport.onmessage;
    const onclose = transport.onclose;
    transport.onmessage = (received, extra) => {
      if (isResponse(received) && listener.response(port, received)) return;
      const cancelled = ids && cancellationOf(received);
      if (cancelled) ids.cancelled(cancelled.requestId);
      // Before any schema: v2's would refuse a related-task key 2025-11-25 says to ignore there.
      const message = keepInputResponses(withoutIgnoredRelatedTask(received));
      // A request known valid goes straight to v2's request entry, skipping the response schemas
      // its onmessage tries first (about 20 µs per request on v1's same code, issue 14).
      if (direct && surelyValidRequest(message)) return direct(message, extra);
      const checked = checkRequest(message);
      if (checked !== undefined && checked !== REQUEST) {
        // v2 drops a request its schema rejects ("Unknown message type", to onerror) without a
        // reply, leaving the client waiting forever: it is answered here instead (a send that
        // fails means the connection is going, which its close reports).
        transport.send(checked).catch(() => {});
        return;
      }
      onmessage?.(message, extra);
    };
    transport.onclose = () => {
      port.closed = true;
      listener.closed(port);
      onclose?.();
    };
    listener.opened(port);
  };
}

function isResponse(message: unknown): message is ClientResponse {
  return isObject(message) && 'id' in message && !('method' in message) && ('result' in message || 'error' in message);
}
