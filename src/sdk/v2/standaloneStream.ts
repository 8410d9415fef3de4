import type { StandaloneStream } from '../../session/ServerHost.js';
import { StandaloneChanges } from '../../session/StandaloneChanges.js';

/** What a v2 web-standard Streamable HTTP transport offers (public members only). */
interface WebStandardTransport {
  handleRequest(request: Request, options?: unknown): Promise<Response>;
  closeStandaloneSSEStream(): void;
}

function isWebStandardTransport(transport: object): transport is WebStandardTransport {
  const t = transport as Partial<Record<keyof WebStandardTransport, unknown>>;
  return typeof t.handleRequest === 'function' && typeof t.closeStandaloneSSEStream === 'function';
}

/**
 * Follows the standalone (GET) stream of SDK v2's `WebStandardStreamableHTTPServerTransport`, whose
 * `send` drops a message silently when no such stream is open: an input request pushed then would
 * be lost, and the task left waiting. Each GET answered with an event stream opens one, until its
 * body ends (v2 closed it) or is cancelled (the reader went away), the same two ways v2 itself
 * forgets the stream. Undefined for other transports (stdio, in memory), whose stream lives as long
 * as the connection.
 */
export function followStandaloneStream(transport: object): StandaloneStream | undefined {
  if (!isWebStandardTransport(transport)) return undefined;
  const changes = new StandaloneChanges();
  // The GET streams not yet ended; a Set, not a flag: a GET resumed with Last-Event-ID (the transport
  // has an event store) replaces the open stream, whose end then comes with the new one open.
  const live = new Set<object>();
  // Resumed GETs still being handled: v2 ends the stream they replace before it answers them.
  const resuming = new Set<Promise<void>>();
  const standalone = {
    get open(): boolean {
      return live.size > 0;
    },
    losses: 0,
    onChange: changes.on,
  };
  const lost = (): void => {
    if (live.size > 0) return;
    standalone.losses++;
    changes.tell('dropped');
  };
  const handle = transport.handleRequest.bind(transport);
  transport.handleRequest = async (request, options) => {
    const resumed = request.method === 'GET' && request.headers.get('last-event-id') !== null;
    if (!resumed) return followed(request, await handle(request, options));
    let handled = (): void => {};
    const handling = new Promise<void>((resolve) => (handled = resolve));
    resuming.add(handling);
    try {
      return followed(request, await handle(request, options));
    } finally {
      // After `followed` counted the new stream: an end told meanwhile waits for this.
      resuming.delete(handling);
      handled();
    }
  };
  const followed = (request: Request, response: Response): Response => {
    const isStream = response.headers.get('content-type')?.includes('text/event-stream') === true;
    if (request.method !== 'GET' || response.status !== 200 || !isStream || !response.body) return response;
    const stream = {};
    live.add(stream);
    // After the Response is handed back: the listeners send on the stream the transport has now.
    queueMicrotask(() => changes.tell('opened'));
    const end = (): void => {
      if (!live.delete(stream)) return;
      // Not while a resumed stream that replaces it is open or on its way: the session still has its
      // stream, and what went on the old one is replayed on the new one (the event store).
      if (live.size === 0 && resuming.size > 0) void Promise.all(resuming).then(lost);
      else lost();
    };
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return standalone;
}
