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
  const standalone = { open: false, losses: 0, onChange: changes.on };
  const handle = transport.handleRequest.bind(transport);
  transport.handleRequest = async (request, options) => {
    const response = await handle(request, options);
    const isStream = response.headers.get('content-type')?.includes('text/event-stream') === true;
    if (request.method !== 'GET' || response.status !== 200 || !isStream || !response.body) return response;
    standalone.open = true;
    // After the Response is handed back: the listeners send on the stream the transport has now.
    queueMicrotask(() => changes.tell('opened'));
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      standalone.open = false;
      standalone.losses++;
      changes.tell('dropped');
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
