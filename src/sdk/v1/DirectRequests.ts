import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { answerAtSend } from '../../session/answerAtSend.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingRequest, RequestHandler } from '../../session/ServerHost.js';
import { DirectCall } from './DirectCall.js';
import { assertTaskCapability, currentRequestHandler, hasOwnSdkTasks } from './internals.js';
import type { RawRequestHandler } from './internals.js';
import { callerOf } from './request.js';

/** The SDK's entry for one incoming request (internals.ts `requestEntry`). */
export type RequestEntry = (request: JSONRPCRequest, extra?: MessageExtraInfo) => void;

/** Where one connection's requests go: transport.ts hands each request, each cancellation and the close here. */
export interface RequestRouter {
  request(message: JSONRPCRequest, extra: MessageExtraInfo | undefined): void;
  /** The client's `notifications/cancelled` for one of its requests. */
  cancelled(requestId: RequestId, reason: unknown): void;
  closed(): void;
}

/**
 * Serves the methods this library installs (`ServerHost.handle`: `tools/call`, `tools/list` and
 * `tasks/*`) itself, not through the SDK's request entry, which makes an `AbortController`, an
 * extra with its closures, a map entry and a chain of promises for every request, and parses the
 * request with the handler's schema (a lenient one here) and the task-augmentation schema: about
 * 12 µs of CPU of every create and every cancel (issue 14; docs/design.md, "SDK internals").
 * What a handler uses of that is made on first use ({@link DirectCall}); the rest of the entry's
 * behaviour is kept: the task-creation capability check, cancellation by the client, no response
 * once cancelled or closed, its error shape. A method whose handler someone replaced since, and
 * every request of a server with the SDK's own tasks configured (its entry queues their
 * responses), go to the SDK's entry as before.
 * @internal
 */
export class DirectRequests {
  private readonly served = new Map<string, { handler: RequestHandler; installed: RawRequestHandler | undefined }>();

  constructor(private readonly server: Server) {}

  /** `handler` serves `method` here while the SDK still holds the handler it has for it now. */
  add(method: string, handler: RequestHandler): void {
    this.served.set(method, { handler, installed: currentRequestHandler(this.server, method) });
  }

  /** The router of one connection (`transport`, before wrapping): these methods here, the rest to `sdkEntry`. */
  router(transport: Transport, sdkEntry: RequestEntry): RequestRouter {
    if (hasOwnSdkTasks(this.server)) return { request: sdkEntry, cancelled: () => {}, closed: () => {} };
    return new ConnectionRequests(this, this.server, transport, sdkEntry);
  }

  /** The handler that serves `method` here, or undefined when the SDK's entry must. */
  handlerOf(method: string): RequestHandler | undefined {
    const served = this.served.get(method);
    return served && currentRequestHandler(this.server, method) === served.installed ? served.handler : undefined;
  }
}

/** The requests of one connection that are being served here, by id. */
class ConnectionRequests implements RequestRouter {
  private readonly inFlight = new Map<RequestId, DirectCall>();

  constructor(
    private readonly direct: DirectRequests,
    private readonly server: Server,
    private readonly transport: Transport,
    private readonly sdkEntry: RequestEntry,
  ) {}

  request(message: JSONRPCRequest, extra: MessageExtraInfo | undefined): void {
    const { id, method, params } = message;
    const handler = this.direct.handlerOf(method);
    if (!handler) return this.sdkEntry(message, extra);
    // The request as the SDK's lenient schema would have handed it on: method and params only.
    const call = new DirectCall(params === undefined ? { method } : { method, params }, id, this.server, this.transport.sessionId, extra);
    this.inFlight.set(id, call);
    let result: Promise<Record<string, unknown>>;
    try {
      if (call.taskCreation) assertTaskCapability(this.server, method);
      result = handler(incomingRequest(call, extra));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (answer) => this.respond(call, { jsonrpc: '2.0', id, result: answer }),
      (error: unknown) => this.respond(call, errorResponse(id, error)),
    );
  }

  cancelled(requestId: RequestId, reason: unknown): void {
    this.inFlight.get(requestId)?.abort(reason);
  }

  closed(): void {
    for (const call of this.inFlight.values()) call.abort(undefined);
    this.inFlight.clear();
  }

  /** Sends the answer, unless the client cancelled the request or the connection closed meanwhile. */
  private respond(call: DirectCall, message: JSONRPCMessage): void {
    if (this.inFlight.get(call.id) === call) this.inFlight.delete(call.id);
    if (call.aborted) return;
    try {
      // Completed now, as it goes out (answerAtSend.ts: a CreateTaskResult shows an end stored since).
      if ('result' in message) message.result = answerAtSend(message.result);
      this.transport.send(message).catch(this.sendFailed);
    } catch (error) {
      this.sendFailed(error);
    }
  }

  /** One per connection, not a closure per response. */
  private readonly sendFailed = (error: unknown): void => {
    this.transport.onerror?.(new Error(`Failed to send response: ${String(error)}`));
  };
}

/**
 * The request as every handler sees it; its signal is made only if read. `signal` is an own
 * enumerable getter, so `{ ...request, params }` (ServerHost.ts) still carries it, but defined
 * with one shared descriptor on an object of a class, not written in an object literal: V8 makes
 * every object literal with a getter in dictionary mode, a new hash table of about 1.8 KB per
 * request and 2.5 % of the CPU of a cancel at 100,000 live tasks (issue 14).
 */
class DirectIncomingRequest implements IncomingRequest {
  // Declared only: set in the constructor, in the order the object literal had them.
  declare readonly method: string;
  declare readonly params: unknown;
  declare readonly id: RequestId;
  declare readonly signal: AbortSignal;
  declare readonly caller: IncomingRequest['caller'];
  declare readonly stream: DirectCall;
  declare readonly native: DirectCall;

  constructor(call: DirectCall, extra: MessageExtraInfo | undefined) {
    this.method = call.message.method;
    this.params = call.message.params;
    this.id = call.id;
    Object.defineProperty(this, 'signal', SIGNAL);
    this.caller = callerOf(call.sessionId, extra);
    this.stream = call;
    this.native = call;
  }
}

/** The `signal` of every {@link DirectIncomingRequest}: its call's, made on first read. */
const SIGNAL: PropertyDescriptor = {
  get(this: DirectIncomingRequest): AbortSignal {
    return this.native.signal;
  },
  enumerable: true,
  configurable: true,
};

function incomingRequest(call: DirectCall, extra: MessageExtraInfo | undefined): IncomingRequest {
  return new DirectIncomingRequest(call, extra);
}

/** The SDK's error response for what a handler threw (any value: a non-error one is an internal error). */
function errorResponse(id: RequestId, error: unknown): JSONRPCMessage {
  const { code, message, data } = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: Number.isSafeInteger(code) ? (code as number) : ErrorCode.InternalError,
      message: typeof message === 'string' ? message : 'Internal error',
      ...(data !== undefined && { data }),
    },
  };
}
