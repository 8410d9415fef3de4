/**
 * A sessionful Streamable HTTP endpoint of a chosen SDK line, whatever line the suite runs on (for
 * tests that run every case on both): v1, the demo's `serveHttp`; v2, a
 * `WebStandardStreamableHTTPServerTransport` per session. One server from `create` per session.
 */
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { serveFetch } from './serveFetch.js';

export async function serveLineSessions(
  line: 'v1' | 'v2',
  tasks: TaskSupport,
  create: () => McpServer,
): Promise<{ url: URL; close(): Promise<void> }> {
  if (line === 'v1') {
    const running = await serveHttp(tasks, create, { port: 0 });
    return { url: new URL(running.url), close: () => running.close() };
  }
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const servers: McpServer[] = [];
  const served = await serveFetch(async (request) => {
    const sessionId = request.headers.get('mcp-session-id');
    const existing = sessionId ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(request);
    if (sessionId) return new Response('Session not found', { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const server = create();
    servers.push(server);
    await (server as unknown as McpServerV2).connect(transport);
    return transport.handleRequest(request);
  });
  return {
    url: served.url,
    close: async () => {
      for (const server of servers) await server.close();
      await served.close();
    },
  };
}
