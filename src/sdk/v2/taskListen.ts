import { setMaxListeners } from 'node:events';
import type { RequestCaller } from '../../session/ServerHost.js';
import type { JsonRpcErrorShape } from '../../types.js';
import { merged } from '../../merged.js';

type AuthInfo = NonNullable<RequestCaller['authInfo']>;

const MODERN = '2026-07-28';
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const KEEP_ALIVE_MS = 15_000;
/**
 * SDK v2's own default `maxRequestBodySize` (4 MiB, `DEFAULT_MAX_REQUEST_BODY_SIZE`, not exported by
 * `@modelcontextprotocol/server`): a listen read here is bounded as v2 would bound it.
 */
export const DEFAULT_MAX_LISTEN_BODY_SIZE = 4 * 1024 * 1024;

/** A fetch-shaped MCP entry point, as v2's `createMcpHandler(...).fetch`. */
export type McpFetch<O> = (request: Request, options?: O) => Promise<Response>;

/** What a task subscription needs of the library: the parsed request, its caller, where to write. */
export interface TaskListenServer {
  /** Whether these params are a task subscription (the rest goes to the wrapped handler). */
  asksForTasks(params: unknown): boolean;
  /** Checks and starts the subscription; resolves with the honored task ids; throws a JSON-RPC error. */
  listen(
    /** The caller is `authInfo` alone: a 2026-07-28 listen has no session to name (see {@link taskListenFetch}). */
    request: { params: unknown; authInfo?: AuthInfo },
    emit: (task: Record<string, unknown>) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<string[]>;
  /** The JSON-RPC error a thrown error becomes. */
  errorShape(error: unknown): JsonRpcErrorShape;
  /** Aborted when the TaskSupport closes: every stream then ends with its (empty) listen result. */
  readonly closed: AbortSignal;
}

/** Options of {@link taskListenFetch}. */
export interface TaskListenOptions {
  /**
   * Largest listen body read here, in bytes (default {@link DEFAULT_MAX_LISTEN_BODY_SIZE}, v2's default);
   * give the `maxRequestBodySize` passed to `createMcpHandler`, if any, so both refuse the same bodies.
   */
  maxRequestBodySize?: number;
}

/**
 * Wraps an SDK v2 fetch entry point so that a 2026-07-28 `subscriptions/listen` carrying
 * `notifications.taskIds` is served here: v2's `createMcpHandler` answers every listen itself and its
 * filter schema drops `taskIds`. Such a request gets an SSE stream — `notifications/subscriptions/acknowledged`
 * with the honored ids, then one `notifications/tasks` (a full DetailedTask) per status change, each
 * stamped with the subscription id — or a JSON-RPC error (HTTP 200, as v2 answers listen errors).
 * The caller is the `authInfo` given with the request (else anonymous), as for every other 2026-07-28
 * request v2 serves; an `Mcp-Session-Id` header is not read. Every other request, a listen without
 * `taskIds` included, is passed on untouched. A listen-shaped
 * body over `maxRequestBodySize` gets 413 as v2 answers it: this reads the body before v2 does.
 * @example
 * const fetch = taskListenFetch((request, options) => handler.fetch(request, options), server, { maxRequestBodySize: 1 << 20 });
 */
export function taskListenFetch<O extends { authInfo?: AuthInfo } | undefined>(
  inner: McpFetch<O>,
  server: TaskListenServer,
  { maxRequestBodySize = DEFAULT_MAX_LISTEN_BODY_SIZE }: TaskListenOptions = {},
): McpFetch<O> {
  // One abort listener per open subscription, each taken off at its end: Node's warning about an 11th
  // ("possible EventTarget memory leak") would be about no leak, on every server with 11 listeners.
  setMaxListeners(0, server.closed);
  return async (request, options) => {
    const message = request.method === 'POST' && isModern(request) ? await listenMessage(request, server, maxRequestBodySize) : undefined;
    if (message === TOO_LARGE) return tooLarge(maxRequestBodySize);
    if (!message) return inner(request, options);
    const id = message.id;
    const done = new AbortController();
    // The subscription's own signal: one listener per task id it follows (up to 1,000), all gone at its end.
    setMaxListeners(0, done.signal);
    const emitted: Record<string, unknown>[] = [];
    let write: ((frame: string) => void) | undefined;
    // Room in the stream: a promise while it is full (its reader stopped reading), resolved by pull or the end.
    let full: { promise: Promise<void>; resolve: () => void } | undefined;
    let hasRoom: () => boolean = () => true;
    const roomNow = (): void => {
      full?.resolve();
      full = undefined;
    };
    const emit = (task: Record<string, unknown>): void | Promise<void> => {
      const frame = merged(task, { _meta: { [SUBSCRIPTION_ID]: id } });
      if (!write) return void emitted.push(frame);
      write(sse({ jsonrpc: '2.0', method: 'notifications/tasks', params: frame }));
      if (hasRoom()) return;
      if (!full) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        full = { promise, resolve };
      }
      return full.promise;
    };
    let honored: string[];
    try {
      // The caller as v2 hands it to every other 2026-07-28 request: its `authInfo`, or none. Not the
      // `Mcp-Session-Id` header: that era has no session (v2 serves it on a transport per request),
      // nothing checked the header, and a listen naming a 2025-11-25 session served beside it was
      // followed as that session.
      const caller = { params: message.params, ...(options?.authInfo ? { authInfo: options.authInfo } : {}) };
      honored = await server.listen(caller, emit, done.signal);
    } catch (error) {
      done.abort();
      return Response.json({ jsonrpc: '2.0', id, error: server.errorShape(error) }, { status: 200 });
    }
    const encoder = new TextEncoder();
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          const end = (graceful: boolean): void => {
            if (done.signal.aborted) return;
            if (graceful) write?.(sse({ jsonrpc: '2.0', id, result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID]: id } } }));
            write = undefined;
            roomNow();
            done.abort();
            clearInterval(keepAlive);
            try {
              controller.close();
            } catch {
              // Already closed by the reader.
            }
          };
          write = (frame) => controller.enqueue(encoder.encode(frame));
          hasRoom = () => (controller.desiredSize ?? 1) > 0;
          write(
            sse({
              jsonrpc: '2.0',
              method: 'notifications/subscriptions/acknowledged',
              params: { notifications: { taskIds: honored }, _meta: { [SUBSCRIPTION_ID]: id } },
            }),
          );
          for (const frame of emitted.splice(0)) write(sse({ jsonrpc: '2.0', method: 'notifications/tasks', params: frame }));
          // Only into a stream with room: one never read would collect a keep-alive every 15 s for good.
          keepAlive = setInterval(() => hasRoom() && write?.(': keepalive\n\n'), KEEP_ALIVE_MS);
          keepAlive.unref?.();
          if (server.closed.aborted) return end(true);
          // Named so that the subscription's end takes them off again: `server.closed` lives as long as
          // the TaskSupport, and a listener left there would hold this stream's controller for good.
          const onClosed = (): void => end(true);
          const onGone = (): void => end(false);
          server.closed.addEventListener('abort', onClosed, { once: true });
          request.signal.addEventListener('abort', onGone, { once: true });
          // Every end (graceful, client gone, reader cancelled) aborts `done`.
          done.signal.addEventListener(
            'abort',
            () => {
              clearInterval(keepAlive);
              server.closed.removeEventListener('abort', onClosed);
              request.signal.removeEventListener('abort', onGone);
            },
            { once: true },
          );
          // Gone while `server.listen` was awaited: its abort event fired before anyone listened.
          if (request.signal.aborted) end(false);
        },
        pull() {
          roomNow();
        },
        cancel() {
          write = undefined;
          roomNow();
          done.abort();
          clearInterval(keepAlive);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
    return new Response(stream, {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' },
    });
  };
}

const TOO_LARGE = Symbol('too large');

/**
 * The JSON-RPC listen request asking for tasks in `request`'s body (read from a clone, so `request`
 * stays whole for v2), TOO_LARGE over `maxBytes`, or undefined (then it is not ours).
 */
async function listenMessage(
  request: Request,
  server: TaskListenServer,
  maxBytes: number,
): Promise<{ id: string | number; params: unknown } | typeof TOO_LARGE | undefined> {
  // A declared length over the limit is refused before anything is read, as v2 does.
  if (Number(request.headers.get('content-length')) > maxBytes) return TOO_LARGE;
  let body: unknown;
  try {
    const text = await boundedText(request.clone(), maxBytes);
    if (text === TOO_LARGE) return TOO_LARGE;
    body = JSON.parse(text);
  } catch {
    return undefined; // v2 answers the parse error (or the unreadable body).
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { method, id, params } = body as { method?: unknown; id?: unknown; params?: unknown };
  if (method !== 'subscriptions/listen' || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  return server.asksForTasks(params) ? { id, params } : undefined;
}

/**
 * A 2026-07-28 listen by its headers: listen exists only in that era, and v2 requires `Mcp-Method` to
 * name the body's method. Anything else goes to v2, which answers it (-32020 for a header mismatch).
 */
function isModern(request: Request): boolean {
  return request.headers.get('mcp-protocol-version') === MODERN && request.headers.get('mcp-method') === 'subscriptions/listen';
}

/** `request`'s body as text, or TOO_LARGE as soon as more than `maxBytes` has arrived (the rest is not read). */
async function boundedText(request: Request, maxBytes: number): Promise<string | typeof TOO_LARGE> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    received += next.value.byteLength;
    if (received > maxBytes) {
      // Not awaited: a tee branch's cancel settles only once the other branch (`request`) is cancelled too.
      void reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    text += decoder.decode(next.value, { stream: true });
  }
  return text + decoder.decode();
}

/** v2's answer to a body over its `maxRequestBodySize`: HTTP 413, -32000, the same message, id null. */
function tooLarge(maxBytes: number): Response {
  const message = `Payload Too Large: Request body must not exceed ${maxBytes} bytes`;
  return Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status: 413 });
}

function sse(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
