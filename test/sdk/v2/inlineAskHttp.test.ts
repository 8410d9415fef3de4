/**
 * SDK v2's `WebStandardStreamableHTTPServerTransport` (the 2025-11-25 era) in JSON-response mode and
 * stateless, a server per request: what an inline call sends the client while it is open
 * (test/http/inlineAskCases.ts, with SDK v1's client), and the same with SDK v2's own client.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { TaskSupport } from '../../../src/index.js';
import { askInput, askWork, inlineAskCases } from '../../http/inlineAskCases.js';
import type { InlineServing, ServedInline } from '../../http/inlineAskCases.js';
import { serveFetch } from './harness.js';

/** The SDK's map of requests to the client awaiting their answer (internal). */
type Pending = { _responseHandlers: Map<unknown, unknown> };

async function serve(serving: InlineServing): Promise<ServedInline> {
  const tasks = TaskSupport.inMemory();
  const servers: McpServer[] = [];
  const make = (): McpServer => {
    const server = new McpServer({ name: 'inline-ask', version: '1' }, { capabilities: { logging: {} } });
    tasks.registerTool(server, 'ask', { taskSupport: 'optional', inputSchema: askInput }, askWork);
    server.registerTool('pingClient', {}, async (ctx) => {
      const started = Date.now();
      try {
        await ctx.mcpReq.send({ method: 'ping' }, z.object({}));
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
    new WebStandardStreamableHTTPServerTransport({
      ...(sessionIdGenerator ? { sessionIdGenerator } : {}),
      enableJsonResponse: serving.json,
    });
  const session = serving.stateless ? undefined : transport(() => randomUUID());
  if (session) await make().connect(session);
  let getStreams = 0;
  const served = await serveFetch(async (request) => {
    if (request.method === 'GET' && serving.refuseGet) return new Response(null, { status: 405 });
    if (session) {
      const response = await session.handleRequest(request);
      // Answered with its event stream: v2 has registered the stream by now.
      if (request.method === 'GET' && response.status === 200) getStreams++;
      return response;
    }
    // Stateless: a transport and a server for this request only.
    const own = transport();
    await make().connect(own);
    return own.handleRequest(request);
  });
  return {
    url: served.url,
    getStreamOpen: () => getStreams > 0,
    pendingRequests: () => servers.reduce((n, server) => n + (server.server as unknown as Pending)._responseHandlers.size, 0),
    close: async () => {
      for (const server of servers) await server.close();
      await served.close();
      await tasks.close();
    },
  };
}

inlineAskCases('SDK v2 over Streamable HTTP: an inline call asking the client', serve);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("SDK v2's client, JSON-response mode: the inline elicitation comes on its GET stream and its answer completes the call", async () => {
  const served = await serve({ json: true, stateless: false });
  cleanups.push(() => served.close());
  const client = new Client({ name: 'v2-client', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  const seen: string[] = [];
  client.setRequestHandler('elicitation/create', () => {
    seen.push('elicitation/create');
    return { action: 'decline' };
  });
  await client.connect(new StreamableHTTPClientTransport(served.url));
  cleanups.push(() => client.close());
  await expect.poll(() => served.getStreamOpen()).toBe(true);
  const result = await client.callTool({ name: 'ask', arguments: { kind: 'elicit', catchIt: false } }, { timeout: 5000 });
  expect(result.content).toEqual([{ type: 'text', text: '"decline"' }]);
  expect(seen).toEqual(['elicitation/create']);
});
