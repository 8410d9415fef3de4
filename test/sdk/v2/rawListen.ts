/**
 * A raw 2026-07-28 `subscriptions/listen` for `taskIds` over HTTP (the v2 client has no listen API for
 * taskIds), its SSE stream read message by message; an error answer is a plain JSON body.
 */
import { MODERN, TASKS_EXTENSION } from './harness.js';

export const withExtension = { extensions: { [TASKS_EXTENSION]: {} } };

export interface RawListen {
  status: number;
  contentType: string | null;
  /** The next JSON-RPC message: the error answer, or the next event on the stream. */
  next(): Promise<Record<string, unknown>>;
  /** The client goes away (aborts its fetch). */
  close(): void;
}

let ids = 0;

/** POSTs a listen for `taskIds`, with `headers` added (e.g. `mcp-session-id`, `x-user`). */
export async function rawListen(url: URL, taskIds: string[], headers: Record<string, string> = {}): Promise<RawListen> {
  return openListen(url, { taskIds }, { headers });
}

/** POSTs a listen with any `notifications` filter; per-request `capabilities` default to the extension declared, `id` to a new one. */
export async function openListen(
  url: URL,
  notifications: Record<string, unknown>,
  {
    headers = {},
    capabilities = withExtension,
    id = `sub-${++ids}`,
  }: { headers?: Record<string, string>; capabilities?: Record<string, unknown>; id?: string } = {},
): Promise<RawListen> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: {
        notifications,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'raw-listen', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': capabilities,
        },
      },
    }),
  });
  const isJson = response.headers.get('content-type')?.startsWith('application/json') === true;
  const reader = isJson ? undefined : response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    close: () => abort.abort(),
    async next() {
      if (!reader) return (await response.json()) as Record<string, unknown>;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data) return JSON.parse(data) as Record<string, unknown>;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; left: ${buffer}`);
        buffer += value;
      }
    },
  };
}

/** The task ids a listen's acknowledgement lists (throws with the answer when it is not one). */
export async function acknowledged(listen: RawListen): Promise<string[]> {
  const message = await listen.next();
  const params = message['params'] as { notifications?: { taskIds?: string[] } } | undefined;
  if (message['method'] !== 'notifications/subscriptions/acknowledged' || !params?.notifications?.taskIds) {
    throw new Error(`not an acknowledgement: ${JSON.stringify(message)}`);
  }
  return params.notifications.taskIds;
}
