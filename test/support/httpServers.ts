import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import type { DemoToolOptions } from '../../src/demo/tools.js';
import { createDemoMcpServerV2 } from '../../src/demo/v2.js';
import type { TaskSupport } from '../../src/index.js';
import { serveFetch } from './serveFetch.js';
import { serveLineSessions } from './lineSessions.js';
import { newServer, serverSdkLine } from './harness.js';

/**
 * Streamable HTTP endpoints on the suite's SDK line (`serverSdkLine`), for the protocol suites that
 * need real HTTP: the same test then runs on a v1 and on a v2 server, both spoken to by the SDK v1
 * client (the 2025-11-25 era). A v2 McpServer is typed as v1's, as in harness.ts.
 */
export interface ServedHttp {
  url: URL;
  close(): Promise<void>;
}

/** The demo's McpServer (echo, countdown, approve, summarize) of the suite's SDK line, enabled. */
export function demoServer(tasks: TaskSupport, options: DemoToolOptions = {}): McpServer {
  return serverSdkLine === 'v2' ? (createDemoMcpServerV2(tasks, options) as unknown as McpServer) : createDemoMcpServer(tasks, options);
}

/**
 * A sessionful endpoint: one server from `create` (already enabled) per session. v1: the demo's
 * `serveHttp`; v2: a `WebStandardStreamableHTTPServerTransport` per session, the shape v2 serves the
 * 2025-11-25 era on with server→client requests (elicitation, sampling, the standalone GET stream).
 */
export function serveSessions(tasks: TaskSupport, create: (tasks: TaskSupport) => McpServer): Promise<ServedHttp> {
  return serveLineSessions(serverSdkLine, tasks, () => create(tasks));
}

/**
 * A stateless endpoint: a new server per POST (set up by `setUp`, then enabled), one TaskSupport
 * behind them all, `authenticate` giving each request its auth. v1: a session-less
 * `StreamableHTTPServerTransport` per request, as in v1's examples; v2: `createMcpHandler`, whose
 * default `legacy: 'stateless'` serves 2025-11-25 clients the same way.
 */
export async function serveStateless(
  tasks: TaskSupport,
  setUp: (server: McpServer) => void,
  authenticate: (headers: Headers) => AuthInfo | undefined,
): Promise<ServedHttp> {
  const factory = (): McpServer => {
    const server = newServer({ name: 'stateless', version: '1' });
    setUp(server);
    tasks.enable(server);
    return server;
  };
  if (serverSdkLine === 'v2') {
    const handler = createMcpHandler(() => factory() as unknown as McpServerV2);
    const served = await serveFetch((request) => {
      const authInfo = authenticate(request.headers);
      return handler.fetch(request, authInfo ? { authInfo } : undefined);
    });
    return {
      url: served.url,
      close: async () => {
        await handler.close();
        await served.close();
      },
    };
  }
  const http = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const auth = authenticate(new Headers({ authorization: req.headers.authorization ?? '' }));
      if (auth) (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
      const server = factory();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
