/**
 * SDK v1's own `StreamableHTTPServerTransport` (behind a plain node:http server) in JSON-response
 * mode and stateless: what an inline call sends the client while it is open (test/http/inlineAskCases.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { testTaskSupport } from '../../support/harness.js';
import { askInput, askWork, inlineAskCases } from '../../http/inlineAskCases.js';
import type { InlineServing, ServedInline } from '../../http/inlineAskCases.js';

/** The SDK's map of requests to the client awaiting their answer (internal). */
type Pending = { _responseHandlers: Map<unknown, unknown> };

async function serve(serving: InlineServing): Promise<ServedInline> {
  const tasks = testTaskSupport();
  const servers: McpServer[] = [];
  const make = (): McpServer => {
    const server = new McpServer({ name: 'inline-ask', version: '1' }, { capabilities: { logging: {} } });
    tasks.registerTool(server, 'ask', { taskSupport: 'optional', inputSchema: askInput }, askWork);
    server.registerTool('pingClient', {}, async (extra) => {
      const started = Date.now();
      try {
        await extra.sendRequest({ method: 'ping' }, EmptyResultSchema);
        return { content: [{ type: 'text', text: 'pinged' }] };
      } catch (error) {
        const { name, message } = error as Error;
        return { content: [{ type: 'text', text: JSON.stringify({ name, message, took: Date.now() - started }) }] };
      }
    });
    servers.push(server);
    return server;
  };
  const transport = (sessionIdGenerator?: () => string) =>
    new StreamableHTTPServerTransport({ ...(sessionIdGenerator ? { sessionIdGenerator } : {}), enableJsonResponse: serving.json });
  const session = serving.stateless ? undefined : transport(() => randomUUID());
  if (session) await make().connect(session);
  const gets: ServerResponse[] = [];
  const http = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET') {
        if (serving.refuseGet) return void res.writeHead(405).end();
        gets.push(res);
      }
      if (session) return session.handleRequest(req, res);
      // Stateless: a transport and a server for this request only.
      const own = transport();
      const server = make();
      await server.connect(own);
      res.once('close', () => void server.close());
      await own.handleRequest(req, res);
    })();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`),
    getStreamOpen: () => gets.some((res) => res.headersSent && res.statusCode === 200 && !res.writableEnded),
    pendingRequests: () => servers.reduce((n, server) => n + (server.server as unknown as Pending)._responseHandlers.size, 0),
    close: async () => {
      for (const server of servers) await server.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await tasks.close();
    },
  };
}

inlineAskCases('SDK v1 over Streamable HTTP: an inline call asking the client', serve);
