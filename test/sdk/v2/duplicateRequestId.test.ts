/**
 * SDK v2's `WebStandardStreamableHTTPServerTransport` (sessionful, the 2025-11-25 era) with the same
 * request id twice in flight on one session (test/sdk/duplicateRequestIdCases.ts), with SSE answers
 * and in JSON-response mode. v2 routes answers by request id alone as v1 does: before, the second
 * POST took the first one's routing entry over, got an answer, and the first POST hung.
 */
import { randomUUID } from 'node:crypto';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { duplicateRequestIdCases } from '../duplicateRequestIdCases.js';
import type { DuplicateIdTools, ServedTools } from '../duplicateRequestIdCases.js';
import { serveFetch, sessionfulV2Server } from './harness.js';

function registerTools(tasks: TaskSupport, server: McpServer, tools: DuplicateIdTools): void {
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.registerTool('held', { inputSchema: { label: z.string() } }, async ({ label }) => text(await tools.held(label)));
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text: value }) => text(tools.echo(value)));
  tasks.registerTool(server, 'heldTask', { taskSupport: 'optional', inputSchema: { label: z.string() } }, async ({ label }) =>
    text(await tools.held(label)),
  );
  tasks.registerTool(server, 'abortable', { taskSupport: 'optional' }, async (_args, task) => text(await tools.abortable(task.signal)));
}

async function sseAnswers(tools: DuplicateIdTools): Promise<ServedTools> {
  const tasks = TaskSupport.inMemory();
  const served = await sessionfulV2Server(tasks, (server) => registerTools(tasks, server, tools));
  return {
    url: served.url.href,
    close: async () => {
      await served.close();
      await tasks.close();
    },
  };
}

/** One session's transport in JSON-response mode (every answer one JSON body). */
async function jsonResponses(tools: DuplicateIdTools): Promise<ServedTools> {
  const tasks = TaskSupport.inMemory();
  const server = new McpServer({ name: 'duplicate-ids', version: '1' });
  registerTools(tasks, server, tools);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true });
  await server.connect(transport);
  const served = await serveFetch((request) => transport.handleRequest(request));
  return {
    url: served.url.href,
    close: async () => {
      await server.close();
      await served.close();
      await tasks.close();
    },
  };
}

duplicateRequestIdCases('SDK v2, SSE answers: the same request id twice in flight', sseAnswers, { abandonedPostFreesId: true });
duplicateRequestIdCases('SDK v2, JSON-response mode: the same request id twice in flight', jsonResponses, { abandonedPostFreesId: false });
