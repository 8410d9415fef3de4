import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { TaskSupport } from '../../../src/index.js';
import { serveFetch } from '../../support/serveFetch.js';
import { serveLineSessions } from '../../support/lineSessions.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const MODERN = '2026-07-28';

/** Re-exported for the v2 tests that import it from here. */
export { serveFetch };

/** A stateless v2 server (`createMcpHandler`: a new McpServer per HTTP request) with TaskSupport outside the factory. */
export async function statelessV2Server(
  tasks: TaskSupport,
  setUp: (server: McpServer) => void,
  authInfo?: AuthInfo,
): Promise<{ url: URL; close(): Promise<void> }> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'v2-test', version: '1.0.0' });
    setUp(server);
    tasks.enable(server);
    return server;
  });
  const served = await serveFetch((request) => handler.fetch(request, authInfo ? { authInfo } : undefined));
  return {
    url: served.url,
    close: async () => {
      await handler.close();
      await served.close();
    },
  };
}

/** The SDK v2 client in the 2026-07-28 era, declaring the tasks extension or not. */
export async function modernClient(url: URL, withExtension: boolean): Promise<Client> {
  const client = new Client(
    { name: 'v2-client', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: MODERN } },
      capabilities: withExtension ? { extensions: { [TASKS_EXTENSION]: {} } } : {},
    },
  );
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

let rawIds = 0;

/** A JSON-RPC answer read raw; `httpStatus` when v2 answered it with an HTTP error status. */
export interface RawAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  httpStatus?: number;
}

/**
 * One 2026-07-28 request sent with the SDK v2 client's own Streamable HTTP transport (it sets the
 * SEP-2243 headers from the body), answered raw. Needed where the v2 `Client` refuses the answer:
 * it rejects a `resultType: "task"` result (UNSUPPORTED_RESULT_TYPE) from `callTool` and `request`.
 */
export async function rawModernRequest(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = { extensions: { [TASKS_EXTENSION]: {} } },
): Promise<RawAnswer> {
  const transport = new StreamableHTTPClientTransport(url);
  transport.setProtocolVersion(MODERN);
  const id = `raw-${++rawIds}`;
  const answered = new Promise<Record<string, unknown>>((resolve, reject) => {
    transport.onmessage = (message) => {
      if ('id' in message && message.id === id && !('method' in message)) resolve(message as unknown as Record<string, unknown>);
    };
    transport.onerror = reject;
  });
  // When send() itself throws, that error is the answer and this promise is left unread.
  answered.catch(() => {});
  await transport.start();
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
  const meta = { ...(params['_meta'] as Record<string, unknown> | undefined), ...envelope };
  try {
    try {
      await transport.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });
    } catch (error) {
      // v2 answers some JSON-RPC errors with an HTTP error status (e.g. -32601 with 404); the
      // transport then throws SdkHttpError, whose message carries the JSON-RPC body.
      const status = (error as { data?: { status?: number } }).data?.status;
      const text = error instanceof Error ? error.message : '';
      const body = text.slice(text.indexOf('{'));
      if (status === undefined || !body.startsWith('{')) throw error;
      return { ...(JSON.parse(body) as RawAnswer), httpStatus: status };
    }
    return (await answered) as RawAnswer;
  } finally {
    await transport.close();
  }
}

/**
 * A sessionful v2 Streamable HTTP server (one McpServer and transport per session), the shape v2 serves
 * the 2025-11-25 era on with server→client requests. TaskSupport serves every session's server.
 */
export function sessionfulV2Server(tasks: TaskSupport, setUp: (server: McpServer) => void): Promise<{ url: URL; close(): Promise<void> }> {
  return serveLineSessions('v2', tasks, () => {
    const server = new McpServer({ name: 'v2-sessionful', version: '1.0.0' });
    setUp(server);
    tasks.enable(server);
    // serveLineSessions types its servers as SDK v1's, whatever the line (it connects a v2 one as v2).
    return server as unknown as McpServerV1;
  });
}
