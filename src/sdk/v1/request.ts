import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { JSONRPCRequest, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingRequest, RequestStream } from '../../session/ServerHost.js';

/** The extra the SDK v1 passes to server request handlers. */
export type ServerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What v1 keeps in `IncomingRequest.native`: the request as the SDK parsed it, and its extra. */
export interface V1Native {
  readonly request: { method: string; params?: unknown };
  readonly extra: ServerExtra;
}

/** An SDK v1 request and its extra, as every handler sees a request. @internal */
export function toIncomingRequest(request: { method: string; params?: unknown }, extra: ServerExtra): IncomingRequest {
  const stream: RequestStream = {
    notify: (notification) => extra.sendNotification(notification),
    // The schema is the engine's answer schema (answers.ts); the SDK parses the client's answer with it.
    request: (message, schema, options) => extra.sendRequest(message as ServerRequest, schema as never, options),
  };
  const native: V1Native = { request, extra };
  return {
    method: request.method,
    params: request.params,
    id: extra.requestId,
    signal: extra.signal,
    caller: {
      ...(extra.sessionId === undefined ? {} : { sessionId: extra.sessionId }),
      ...(extra.authInfo === undefined ? {} : { authInfo: extra.authInfo }),
      // Only HTTP transports attach requestInfo.
      overHttp: extra.requestInfo !== undefined,
    },
    stream,
    native,
  };
}

/** The SDK request and extra behind an IncomingRequest made by toIncomingRequest, with its current params. */
export function nativeOf(request: IncomingRequest): { request: JSONRPCRequest; extra: ServerExtra } {
  const native = request.native as V1Native;
  return { request: { ...native.request, params: request.params } as JSONRPCRequest, extra: native.extra };
}
