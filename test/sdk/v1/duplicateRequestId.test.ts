/**
 * SDK v1's Streamable HTTP transport with the same request id twice in flight on one session
 * (test/sdk/duplicateRequestIdCases.ts): behind McpHttpHost (SSE answers), and the SDK's own
 * transport in JSON-response mode behind a plain `node:http` server. Before: the second POST took
 * the first one's routing entry over, got an answer, and the first POST hung (5 s fetch timeout here).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { McpHttpHost } from '../../../src/http/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { testTaskSupport } from '../../support/harness.js';
import { duplicateRequestIdCases } from '../duplicateRequestIdCases.js';
import type { DuplicateIdTools, ServedTools } from '../duplicateRequestIdCases.js';

function toolServer(tasks: TaskSupport, tools: DuplicateIdTools): McpServer {
  const server = new McpServer({ name: 'duplicate-ids', version: '1' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.registerTool('held', { inputSchema: { label: z.string() } }, async ({ label }) => text(await tools.held(label)));
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text: value }) => text(tools.echo(value)));
  tasks.registerTool(server, 'heldTask', { taskSupport: 'optional', inputSchema: { label: z.string() } }, async ({ label }) =>
    text(await tools.held(label)),
  );
  tasks.registerTool(server, 'abortable', { taskSupport: 'optional' }, async (_args, task) => text(await tools.abortable(task.signal)));
  return server;
}

async function behindHost(tools: DuplicateIdTools): Promise<ServedTools> {
  const tasks = testTaskSupport();
  const host = new McpHttpHost({ createServer: () => toolServer(tasks, tools) });
  const { url } = await host.listen({ port: 0 });
  return {
    url,
    close: async () => {
      await host.close();
      await tasks.close();
    },
  };
}

/** One session's SDK transport in JSON-response mode (every answer one JSON body), served by node:http. */
async function jsonResponses(tools: DuplicateIdTools): Promise<ServedTools> {
  const tasks = testTaskSupport();
  const server = toolServer(tasks, tools);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true });
  await server.connect(transport);
  const http = createServer((req, res) => void transport.handleRequest(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => {
      await server.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await tasks.close();
    },
  };
}

duplicateRequestIdCases('SDK v1, McpHttpHost (SSE answers): the same request id twice in flight', behindHost, {
  abandonedPostFreesId: true,
});
duplicateRequestIdCases('SDK v1, JSON-response mode: the same request id twice in flight', jsonResponses, { abandonedPostFreesId: false });
