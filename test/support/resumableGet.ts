/**
 * A raw client's resumable standalone GET stream (Last-Event-ID) against SDK v1 over node:http with
 * an event store: what the resumed-GET tests share (test/sdk/v1/resumedStandaloneGet.test.ts,
 * test/clientTasks/resumedGetNoDrop.test.ts). Everything it opens is closed by the `cleanups` given.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { raw } from '../http/rawHttp.js';

type Cleanups = Array<() => Promise<unknown>>;

export const rpc = (id: number, method: string, params: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });
export const ELICIT = '"method":"elicitation/create"';

/** An SSE response kept open; `text()` is what has arrived on it. */
export interface Stream {
  status: number;
  text: () => string;
  /** Whether the server ended the response. */
  closed: () => boolean;
  close: () => void;
}

export function openGet(url: string, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      let closed = false;
      res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      res.on('error', () => undefined);
      res.on('close', () => void (closed = true));
      resolve({ status: res.statusCode ?? 0, text: () => text, closed: () => closed, close: () => req.destroy() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end();
  });
}

/**
 * Events in memory, without `getStreamIdForEventId` (optional): the SDK then resumes the stream that
 * `replayEventsAfter` names, replacing the connection it has. (The SDK's example store cannot be
 * used: it reads the stream id back from the event id up to the first `_`, and the standalone
 * stream's id is `_GET_stream`.) SDK v2's transport takes the same store.
 */
export function eventStore(): EventStore {
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

/** SDK v1 over node:http, one resumable transport per session. */
export async function serveResumable(tasks: TaskSupport, cleanups: Cleanups, servers: McpServer[] = []): Promise<string> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer((req, res) => {
    void (async () => {
      const existing = sessions.get(String(req.headers['mcp-session-id']));
      if (existing) return existing.handleRequest(req, res);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, transport),
        eventStore: eventStore(),
      });
      const server = new McpServer({ name: 'resumed-get', version: '1' });
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      servers.push(server);
      await server.connect(transport);
      return transport.handleRequest(req, res);
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const server of servers) await server.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

/** Creates a task of `ask` and polls it once: a polling client's input requests then come on the GET stream. */
export async function ask(url: string, headers: Record<string, string>, id: number): Promise<void> {
  const created = await raw(url, 'POST', rpc(id, 'tools/call', { name: 'ask', arguments: {}, task: {} }), headers);
  // With an event store the stream opens with a priming event (an id, empty data).
  const answer = created.text.split('\n').find((line) => line.startsWith('data: {'))!;
  const taskId = (JSON.parse(answer.slice('data: '.length)) as { result: { task: { taskId: string } } }).result.task.taskId;
  await raw(url, 'POST', rpc(id + 1, 'tasks/get', { taskId }), headers);
}

/** A session initialized by a raw client that declares elicitation: the headers of its requests. */
export async function initialized(url: string): Promise<Record<string, string>> {
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

/**
 * A GET resumed after the last event of `first` (it replays nothing, so what arrives on it is new),
 * then a round trip: SDK 1.32 closes the stream it replaces before it answers the resumed GET, and
 * that response closes a few ticks later, well within it. (1.27, the lowest of the peer range,
 * leaves it open and unused; closed by the client, its stale cancel would tear down the new one.)
 */
export async function resumedAfter(url: string, headers: Record<string, string>, first: Stream, cleanups: Cleanups): Promise<Stream> {
  const lastEventId = [...first.text().matchAll(/^id: (.+)$/gm)].at(-1)![1]!;
  const resumed = await openGet(url, { ...headers, 'last-event-id': lastEventId });
  cleanups.push(async () => resumed.close());
  expect(resumed.status).toBe(200);
  expect((await raw(url, 'POST', rpc(9, 'ping', {}), headers)).status).toBe(200);
  return resumed;
}

/** A session's standalone stream as the tests look into it (private: the session router's). */
export interface StandaloneView {
  open: boolean;
  losses: number;
  onChange(listener: (change: string) => void): unknown;
}

/**
 * Opens the session's GET stream once the first server's session router (of `tasks`) knows it,
 * and records each change of that stream from then on, with whether one was open after it.
 */
export async function watchedGet(
  tasks: TaskSupport,
  servers: readonly object[],
  url: string,
  headers: Record<string, string>,
  cleanups: Cleanups,
): Promise<{ first: Stream; standalone: () => StandaloneView | undefined; changes: string[] }> {
  const standalone = (): StandaloneView | undefined =>
    (tasks as unknown as { sessions: { of(server: object): { router: { connection?: { standalone?: StandaloneView } } } } }).sessions.of(
      servers[0]!,
    ).router.connection?.standalone;
  const first = await openGet(url, headers);
  cleanups.push(async () => first.close());
  await expect.poll(() => standalone()?.open, { timeout: 2000 }).toBe(true);
  const changes: string[] = [];
  standalone()!.onChange((change) => changes.push(`${change} (open: ${String(standalone()!.open)})`));
  return { first, standalone, changes };
}
