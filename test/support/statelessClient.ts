import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * An SDK client of a stateless server (no session id ever comes back) that acts as its own load
 * balancer: requests and notifications go to `url`, the answers it POSTs to the server's requests
 * (elicitation, sampling) go to `answersTo`, so a test picks the instance each one lands on.
 * `token` authenticates as the demo's bearer principal; without it the client is anonymous.
 */
export async function statelessClient(
  url: string,
  options: { token?: string; answersTo?: string; capabilities?: ConstructorParameters<typeof Client>[1] } = {},
): Promise<Client> {
  const client = new Client({ name: 'stateless-client', version: '1' }, options.capabilities ?? {});
  const answersTo = options.answersTo ?? url;
  const route: typeof fetch = (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    return fetch(body !== undefined && isAnswer(body) ? answersTo : input, init);
  };
  const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: route }));
  return client;
}

function isAnswer(body: string): boolean {
  try {
    const message = JSON.parse(body) as Record<string, unknown>;
    return !('method' in message) && ('result' in message || 'error' in message);
  } catch {
    return false;
  }
}

/** What a raw POST got back: the HTTP status and the body (a JSON-RPC message, read from SSE if need be). */
export interface RawReply {
  status: number;
  body: unknown;
}

/** POSTs one JSON-RPC message as a client without a session would, with `token` as bearer if given. */
export async function postRaw(url: string, message: unknown, token?: string): Promise<RawReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(message),
  });
  const text = await response.text();
  if (text === '') return { status: response.status, body: undefined };
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length))
    .filter((line) => line.trim() !== '');
  return { status: response.status, body: JSON.parse(data.length > 0 ? data[data.length - 1]! : text) };
}
