/**
 * A bare JSON-RPC client over sessionful Streamable HTTP with `fetch` (JSON responses), for
 * benchmarks that compare servers: it is the same code against every server, so their rows differ
 * only in the server. 2025-11-25 era (initialize handshake, `Mcp-Session-Id`, `MCP-Protocol-Version`).
 */
const VERSION = '2025-11-25';

export class SessionClient {
  private nextId = 1;

  private constructor(
    private readonly url: URL,
    private readonly sessionId: string,
  ) {}

  static async connect(url: URL): Promise<SessionClient> {
    const response = await post(
      url,
      {},
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: VERSION,
          capabilities: {},
          clientInfo: { name: 'bench-session', version: '1.0.0' },
        },
      },
    );
    const sessionId = response.headers.get('mcp-session-id');
    if (!sessionId) throw new Error(`no session id (HTTP ${response.status}: ${await response.text()})`);
    await response.text();
    const client = new SessionClient(url, sessionId);
    await (await post(url, client.headers(), { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    return client;
  }

  async request<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> {
    const response = await post(this.url, this.headers(), { jsonrpc: '2.0', id: this.nextId++, method, params });
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
    return body.result as T;
  }

  private headers(): Record<string, string> {
    return { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': VERSION };
  }
}

function post(url: URL, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}
