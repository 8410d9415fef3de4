import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { JSONRPCRequest, MessageExtraInfo, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ClientRequestOptions } from '../../engine/ClientTasks.js';
import type { IncomingRequest, RequestCaller, RequestStream } from '../../session/ServerHost.js';
import { requestCaller } from '../../session/caller.js';

/** The extra the SDK v1 passes to server request handlers. */
export type ServerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What v1 keeps in `IncomingRequest.native`: the request as the SDK parsed it, and its extra. */
export interface V1Native {
  readonly message: { method: string; params?: unknown };
  readonly extra: ServerExtra;
}

/**
 * The request's stream to its client: one object with its methods on the prototype, where two
 * closures and an object per request were made for every request, most of which never use it.
 */
class V1RequestStream implements RequestStream {
  constructor(private readonly extra: ServerExtra) {}

  notify(notification: ServerNotification): Promise<void> {
    return this.extra.sendNotification(notification);
  }

  // The schema is the engine's answer schema (answers.ts); the SDK parses the client's answer with it.
  request<T>(
    message: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType<T>,
    options?: ClientRequestOptions,
  ): Promise<T> {
    return this.extra.sendRequest(message as ServerRequest, schema as never, options) as Promise<T>;
  }
}

/** Who sent a request, from its transport's session and what the transport attached (only HTTP transports attach requestInfo). @internal */
export function callerOf(sessionId: string | undefined, info: MessageExtraInfo | undefined): RequestCaller {
  return requestCaller(info?.requestInfo !== undefined, sessionId, info?.authInfo);
}

/** An SDK v1 request and its extra, as every handler sees a request. @internal */
export function toIncomingRequest(request: { method: string; params?: unknown }, extra: ServerExtra): IncomingRequest {
  const native: V1Native = { message: request, extra };
  return {
    method: request.method,
    params: request.params,
    id: extra.requestId,
    signal: extra.signal,
    // Only HTTP transports attach requestInfo.
    caller: requestCaller(extra.requestInfo !== undefined, extra.sessionId, extra.authInfo),
    stream: new V1RequestStream(extra),
    native,
  };
}

/** The SDK request and extra behind an IncomingRequest made by toIncomingRequest, with its current params. */
export function nativeOf(request: IncomingRequest): { request: JSONRPCRequest; extra: ServerExtra } {
  const native = request.native as V1Native;
  // A copy only when a protocol changed the params (the extension strips `task`).
  const message = native.message.params === request.params ? native.message : { ...native.message, params: request.params };
  return { request: message as JSONRPCRequest, extra: native.extra };
}
