import type { RequestCaller } from '../../session/ServerHost.js';
import type { JsonRpcErrorShape } from '../../types.js';
import { merged } from '../../merged.js';

type AuthInfo = NonNullable<RequestCaller['authInfo']>;

const MODERN = '2026-07-28';
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const KEEP_ALIVE_MS = 15_000;

/** A fetch-shaped MCP entry point, as v2's `createMcpHandler(...).fetch`. */
export type McpFetch<O> = (request: Request, options?: O) => Promise<Response>;

/** What a task subscription needs of the library: the parsed request, its caller, where to write. */
export interface TaskListenServer {
  /** Whether these params are a task subscription (the rest goes to the wrapped handler). */
  asksForTasks(params: unknown): boolean;
  /** Checks and starts the subscription; resolves with the honored task ids; throws a JSON-RPC error. */
  listen(
    request: { params: unknown; authInfo?: AuthInfo; sessionId?: string },
    emit: (task: Record<string, unknown>) => void,
    signal: AbortSignal,
  ): Promise<string[]>;
  /** The JSON-RPC error a thrown error becomes. */
  errorShape(error: unknown): JsonRpcErrorShape;
  /** Aborted when the TaskSupport closes: every stream then ends with its (empty) listen result. */
  readonly closed: AbortSignal;
}

/**
 * Wraps an SDK v2 fetch entry point so that a 2026-07-28 `subscriptions/listen` carrying
 * `notifications.taskIds` is served here: v2's `createMcpHandler` answers every listen itself and its
 * filter schema drops `taskIds`. Such a request gets an SSE stream — `notifications/subscriptions/acknowledged`
 * with the honored ids, then one `notifications/tasks` (a full DetailedTask) per status change, each
 * stamped with the subscription id — or a JSON-RPC error (HTTP 200, as v2 answers listen errors).
 * Every other request, a listen without `taskIds` included, is passed on untouched.
 */
export function taskListenFetch<O extends { authInfo?: AuthInfo } | undefined>(inner: McpFetch<O>, server: TaskListenServer): McpFetch<O> {
  return async (request, options) => {
    const message = request.method === 'POST' && isModern(request) ? await listenMessage(request.clone(), server) : undefined;
    if (!message) return inner(request, options);
    const id = message.id;
    const done = new AbortController();
    const emitted: Record<string, unknown>[] = [];
    let write: ((frame: string) => void) | undefined;
    const emit = (task: Record<string, unknown>): void => {
      const frame = merged(task, { _meta: { [SUBSCRIPTION_ID]: id } });
      if (write) write(sse({ jsonrpc: '2.0', method: 'notifications/tasks', params: frame }));
      else emitted.push(frame);
    };
    let honored: string[];
    try {
      const sessionId = request.headers.get('mcp-session-id') ?? undefined;
      const caller = {
        params: message.params,
        ...(options?.authInfo ? { authInfo: options.authInfo } : {}),
        ...(sessionId ? { sessionId } : {}),
      };
      honored = await server.listen(caller, emit, done.signal);
    } catch (error) {
      done.abort();
      return Response.json({ jsonrpc: '2.0', id, error: server.errorShape(error) }, { status: 200 });
    }
    const encoder = new TextEncoder();
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const end = (graceful: boolean): void => {
          if (done.signal.aborted) return;
          if (graceful) write?.(sse({ jsonrpc: '2.0', id, result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID]: id } } }));
          write = undefined;
          done.abort();
          clearInterval(keepAlive);
          try {
            controller.close();
          } catch {
            // Already closed by the reader.
          }
        };
        write = (frame) => controller.enqueue(encoder.encode(frame));
        write(
          sse({
            jsonrpc: '2.0',
            method: 'notifications/subscriptions/acknowledged',
            params: { notifications: { taskIds: honored }, _meta: { [SUBSCRIPTION_ID]: id } },
          }),
        );
        for (const frame of emitted.splice(0)) write(sse({ jsonrpc: '2.0', method: 'notifications/tasks', params: frame }));
        keepAlive = setInterval(() => write?.(': keepalive\n\n'), KEEP_ALIVE_MS);
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
      cancel() {
        write = undefined;
        done.abort();
        clearInterval(keepAlive);
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' },
    });
  };
}

/** The JSON-RPC listen request asking for tasks in `request`'s body, or undefined (then it is not ours). */
async function listenMessage(request: Request, server: TaskListenServer): Promise<{ id: string | number; params: unknown } | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return undefined; // v2 answers the parse error.
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

function sse(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
