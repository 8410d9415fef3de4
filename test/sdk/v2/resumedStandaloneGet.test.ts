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
import { request } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { afterEach, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { raw } from '../../http/rawHttp.js';
import { serveFetch } from '../../support/serveFetch.js';
import { drain } from '../../support/until.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const rpc = (id: number, method: string, params: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const ELICIT = '"method":"elicitation/create"';

/** An SSE response kept open; `text()` is what has arrived on it. */
interface Stream {
  status: number;
  text: () => string;
  close: () => void;
}

function openGet(url: string, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, text: () => text, close: () => req.destroy() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end();
  });
}

/** Events in memory, without `getStreamIdForEventId`: v2 resumes the stream `replayEventsAfter` names. */
function eventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  return {
    storeEvent: async (streamId, message) => {
      const id = String(events.length);
      events.push({ id, streamId, message });
      return id;
    },
    replayEventsAfter: async (lastEventId, { send }) => {
      const { streamId } = events[Number(lastEventId)]!;
      for (const event of events.slice(Number(lastEventId) + 1)) if (event.streamId === streamId) await send(event.id, event.message);
      return streamId;
    },
  };
}

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

interface StandaloneView {
  open: boolean;
  losses: number;
  onChange(listener: (change: string) => void): unknown;
}

it("a resumed GET that replaces the open one tells no drop, and a polled task's input request goes out on it", async () => {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const servers: McpServer[] = [];
  const url = await serve(tasks, servers);
  const headers = await initialized(url);
  const standalone = (): StandaloneView | undefined =>
    (tasks as unknown as { sessions: { of(server: object): { router: { connection?: { standalone?: StandaloneView } } } } }).sessions.of(
      servers[0]!,
    ).router.connection?.standalone;
  const first = await openGet(url, headers);
  cleanups.push(async () => first.close());
  await expect.poll(() => standalone()?.open, { timeout: 2000 }).toBe(true);
  const changes: string[] = [];
  standalone()!.onChange((change) => changes.push(`${change} (open: ${String(standalone()!.open)})`));
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

/** Creates a task of `ask` and polls it once: a polling client's input requests then come on the GET stream. */
async function ask(url: string, headers: Record<string, string>, id: number): Promise<void> {
  const created = await raw(url, 'POST', rpc(id, 'tools/call', { name: 'ask', arguments: {}, task: {} }), headers);
  const answer = created.text.split('\n').find((line) => line.startsWith('data: {'))!;
  const taskId = (JSON.parse(answer.slice('data: '.length)) as { result: { task: { taskId: string } } }).result.task.taskId;
  await raw(url, 'POST', rpc(id + 1, 'tasks/get', { taskId }), headers);
}

/** A session initialized by a raw client that declares elicitation: the headers of its requests. */
async function initialized(url: string): Promise<Record<string, string>> {
  const clientInfo = { name: 'raw', version: '1' };
  const init = await raw(
    url,
    'POST',
    rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo }),
  );
  const headers = { 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
  await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
  return headers;
}
