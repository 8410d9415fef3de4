/**
 * SDK v2: a GET stream resumed with Last-Event-ID (the transport has an event store) replaces the
 * open one: `WebStandardStreamableHTTPServerTransport` closes its predecessor (`cleanup()` of the
 * stream it replays) before it answers the resumed GET. The old stream's end ends a stream, but the
 * session still has one open: it tells no drop (each follow of a client task would take the requests
 * out on the stream for lost and send them again, engine/streamGap.ts), and the session's stream
 * stays open, so a task's input request goes out on the new stream. The same on SDK v1:
 * test/sdk/v1/resumedStandaloneGet.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { afterEach, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { raw } from '../../http/rawHttp.js';
import { ELICIT, ask, eventStore, initialized, openGet, rpc, watchedGet } from '../../support/resumableGet.js';
import { serveFetch } from '../../support/serveFetch.js';
import { drain } from '../../support/until.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SDK v2's web-standard transport over node:http, one resumable transport per session. */
async function serve(tasks: TaskSupport, servers: McpServer[]): Promise<string> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const served = await serveFetch(async (req) => {
    const existing = sessions.get(String(req.headers.get('mcp-session-id')));
    if (existing) return existing.handleRequest(req);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      eventStore: eventStore(),
    });
    const server = new McpServerV2({ name: 'resumed-get', version: '1' }) as unknown as McpServer;
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: answer.action }] };
    });
    tasks.enable(server);
    servers.push(server);
    await (server as unknown as McpServerV2).connect(transport);
    return transport.handleRequest(req);
  });
  cleanups.push(async () => {
    for (const server of servers) await server.close();
    await served.close();
  });
  return new URL('/mcp', served.url).href;
}

it("a resumed GET that replaces the open one tells no drop, and a polled task's input request goes out on it", async () => {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const servers: McpServer[] = [];
  const url = await serve(tasks, servers);
  const headers = await initialized(url);
  const { first, standalone, changes } = await watchedGet(tasks, servers, url, headers, cleanups);
  await ask(url, headers, 2);
  await expect.poll(() => first.text().includes(ELICIT), { timeout: 2000 }).toBe(true);

  const lastEventId = [...first.text().matchAll(/^id: (.+)$/gm)].at(-1)![1]!;
  const resumed = await openGet(url, { ...headers, 'last-event-id': lastEventId });
  cleanups.push(async () => resumed.close());
  expect(resumed.status).toBe(200);
  expect((await raw(url, 'POST', rpc(9, 'ping', {}), headers)).status).toBe(200);
  await drain();
  // Before, the old stream's end told `dropped` and left the session with no stream open.
  expect(changes.filter((change) => change.startsWith('dropped'))).toEqual([]);
  expect(standalone()?.losses).toBe(0);
  expect(standalone()?.open).toBe(true);
  await ask(url, headers, 4);
  await expect.poll(() => resumed.text().includes(ELICIT), { timeout: 2000 }).toBe(true);

  // The stream that is left dropping is a loss, told.
  resumed.close();
  await expect.poll(() => standalone()?.open, { timeout: 2000 }).toBe(false);
  expect(changes.filter((change) => change.startsWith('dropped'))).toEqual(['dropped (open: false)']);
  expect(standalone()?.losses).toBe(1);
});
