import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_CAPABILITIES_META_KEY } from '../../protocol/tasksExtension/wire.js';
import type { z } from 'zod';
import type { IncomingRequest, RequestStream } from '../../session/ServerHost.js';
import { merged } from '../../merged.js';
import { requestCaller } from '../../session/caller.js';
import { RAW_INPUT_RESPONSES } from './paramsFirst.js';
import { UnreachableClientError } from '../UnreachableClientError.js';

/** The members of v2's handler context (`ServerContext`) this adapter reads. Structural: no runtime import of v2. */
export interface V2Context {
  sessionId?: string | undefined;
  mcpReq: {
    id: string | number;
    method: string;
    _meta?: Record<string, unknown> | undefined;
    /** 2026-07-28: the per-request `_meta` envelope v2 lifted out of `params._meta`. */
    envelope?: Record<string, unknown> | undefined;
    /** `tasks/update`: the `inputResponses` v2 lifted out of `params` (its bare object entries). */
    inputResponses?: Record<string, unknown> | undefined;
    /** `tasks/update`: the keys of the entries v2 left out of `inputResponses` (not objects, or wrapped). */
    droppedInputResponseKeys?: readonly string[] | undefined;
    signal: AbortSignal;
    send(request: { method: string; params?: Record<string, unknown> }, resultSchema: unknown): Promise<unknown>;
    notify(notification: { method: string; params?: unknown }): Promise<void>;
  };
  http?: { authInfo?: AuthInfo | undefined; req?: unknown } | undefined;
}

/** What `native` holds for a v2 request: the params as v2 handed them over and its context (for `previous`). */
export interface V2Native {
  readonly params: Record<string, unknown>;
  readonly ctx: V2Context;
}

/**
 * One v2 request as the session layer sees it. v2 lifts the 2026 envelope and `inputResponses` out of
 * the params before any handler runs; they are put back where a 2026 request carries them on the wire
 * (`_meta["io.modelcontextprotocol/clientCapabilities"]`, `params.inputResponses`), so the protocol
 * code reads one place whichever SDK line delivered the request. The rest of the envelope stays out:
 * nothing reads it, and `previous` hands v2's own params back to v2. `inputResponses` is put back
 * as the client sent it (kept aside by `keepInputResponses`), so a malformed one fails our schema.
 */
export function toIncomingRequest(method: string, params: Record<string, unknown> | undefined, ctx: V2Context): IncomingRequest {
  const kept = params !== undefined && RAW_INPUT_RESPONSES in params;
  // Copied once more only for a tasks/update that carried inputResponses, not on every request.
  const given = kept ? { ...params } : (params ?? {});
  const raw = given[RAW_INPUT_RESPONSES];
  if (kept) delete given[RAW_INPUT_RESPONSES];
  const rebuilt: Record<string, unknown> = { ...given };
  const capabilities = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (capabilities !== undefined) {
    const meta = isObject(given['_meta']) ? given['_meta'] : {};
    rebuilt['_meta'] = merged(meta, { [CLIENT_CAPABILITIES_META_KEY]: capabilities });
  }
  if (kept) rebuilt['inputResponses'] = raw;
  else if (ctx.mcpReq.inputResponses !== undefined) rebuilt['inputResponses'] = liftedInputResponses(ctx.mcpReq);
  const native: V2Native = { params: given, ctx };
  return {
    method,
    params: rebuilt,
    id: ctx.mcpReq.id,
    signal: ctx.mcpReq.signal,
    // v2 fills `ctx.http` for every request that came over HTTP (its `req`), and only then.
    caller: requestCaller(ctx.http !== undefined, ctx.sessionId, ctx.http?.authInfo),
    stream: new V2RequestStream(ctx),
    native,
  };
}

/**
 * The `inputResponses` v2 lifted, its dropped entries back as null: we have not seen the raw value
 * (a connection not made through `listenToConnections`), and an entry v2 dropped is no bare object,
 * so our schema must refuse it rather than acknowledge the map without it.
 */
function liftedInputResponses(mcpReq: V2Context['mcpReq']): Record<string, unknown> {
  const dropped = mcpReq.droppedInputResponseKeys ?? [];
  if (dropped.length === 0) return mcpReq.inputResponses ?? {};
  return merged(mcpReq.inputResponses ?? {}, Object.fromEntries(dropped.map((key) => [key, null])));
}

/** v2's `SdkErrorCode.MethodNotSupportedByProtocolVersion` (structural: no runtime import of v2). */
const NOT_IN_ERA = 'METHOD_NOT_SUPPORTED_BY_PROTOCOL_VERSION';
const MODERN_ERA_CALL =
  'a 2026-07-28 call carries no request to the client (a task asks through the inputRequests of tasks/get); declare the io.modelcontextprotocol/tasks extension so that the tool runs as a task';

/** The request's stream to its client: methods on the prototype, not two closures per request. */
class V2RequestStream implements RequestStream {
  constructor(private readonly ctx: V2Context) {}

  notify(notification: ServerNotification): Promise<void> {
    return this.ctx.mcpReq.notify(notification);
  }

  async request<T>(request: { method: string; params?: Record<string, unknown> }, resultSchema: z.ZodType<T>): Promise<T> {
    let answer: unknown;
    try {
      answer = await this.ctx.mcpReq.send(request, resultSchema);
    } catch (error) {
      // v2 refuses a request to the client in the 2026-07-28 era with an SdkError whose message
      // speaks of wire eras: an inline call's elicit then failed with it, not as the
      // MissingClientCapabilityError a work falls back on, nor saying what to do.
      if ((error as { code?: unknown } | null)?.code === NOT_IN_ERA) throw new UnreachableClientError(request.method, MODERN_ERA_CALL);
      throw error;
    }
    return resultSchema.parse(answer);
  }
}

/** The v2 context of a request this adapter made (undefined for one made elsewhere). */
export function v2Native(request: IncomingRequest): V2Native | undefined {
  const native = request.native as Partial<V2Native> | undefined;
  return native && typeof native === 'object' && native.ctx && native.params ? (native as V2Native) : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
