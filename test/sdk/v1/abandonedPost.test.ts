/**
 * SDK v1's own `StreamableHTTPServerTransport` (sessionful, behind a plain node:http server): a POST
 * whose response stream the client closed before its request was answered cancels that request's
 * handler (test/http/abandonedPostCases.ts); with an event store it does not, since the client may
 * resume the stream (Last-Event-ID) and read the answer there.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { raw } from '../../http/rawHttp.js';
import { testTaskSupport } from '../../support/harness.js';
import { openStream, rpc } from '../../support/rawAskSession.js';
import { abandonedPostCases } from '../../http/abandonedPostCases.js';
import type { AbandonedPostTools, ServedTools } from '../../http/abandonedPostCases.js';
import { abandonedPostServer } from './abandonedPostServer.js';

/** Events in memory; the stream of an event is found by its index. */
function eventStore(): EventStore {
  const events: Array<{ streamId: string; message: JSONRPCMessage }> = [];
  return {
    storeEvent: async (streamId, message) => String(events.push({ streamId, message }) - 1),
    replayEventsAfter: async (lastEventId, { send }) => {
      const { streamId } = events[Number(lastEventId)]!;
      for (let i = Number(lastEventId) + 1; i < events.length; i++)
        if (events[i]!.streamId === streamId) await send(String(i), events[i]!.message);
      return streamId;
    },
  };
}

/** SDK v1 over node:http, one transport per session (`resumable`: with an event store); `sessions`: their transports. */
function ownTransport(
  resumable: boolean,
  sessions = new Map<string, StreamableHTTPServerTransport>(),
): (tools: AbandonedPostTools) => Promise<ServedTools> {
  return async (tools) => {
    const tasks = testTaskSupport();
    const servers: McpServer[] = [];
    const http = createServer((req, res) => {
      void (async () => {
        const existing = sessions.get(String(req.headers['mcp-session-id']));
        if (existing) return existing.handleRequest(req, res);
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, transport),
          ...(resumable ? { eventStore: eventStore() } : {}),
        });
        const server = abandonedPostServer(tasks, tools);
        servers.push(server);
        await server.connect(transport);
        return transport.handleRequest(req, res);
      })().catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
      close: async () => {
        for (const server of servers) await server.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await tasks.close();
      },
    };
  };
}

abandonedPostCases('SDK v1, its own transport: a POST whose client left', ownTransport(false));
abandonedPostCases('SDK v1, its own transport with an event store: a POST whose client left', ownTransport(true), true);

/** The web-standard transport's routing of answers (pinned here: the guard in src/sdk/uniqueRequestIds.ts reads it). */
interface Routing {
  _requestToStreamMapping: Map<unknown, string>;
  _requestResponseMap: Map<unknown, unknown>;
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('the transport keeps nothing of the answered requests of a POST whose client left', async () => {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const aborted: string[] = [];
  const wait = (label: string, signal: AbortSignal): Promise<string> =>
    new Promise((resolve) => {
      const onAbort = (): void => {
        aborted.push(label);
        resolve(`aborted ${label}`);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  const served = await ownTransport(false, sessions)({ questions: [], wait });
  cleanups.push(() => served.close());
  const init = await raw(
    served.url,
    'POST',
    rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }),
  );
  const headers = { 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
  const routing = (sessions.get(headers['mcp-session-id']) as unknown as { _webStandardTransport: Routing })._webStandardTransport;
  const batch = JSON.stringify([
    { jsonrpc: '2.0', id: 2, method: 'ping', params: {} },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'wait', arguments: { label: 'left' } } },
  ]);
  const left = await openStream(served.url, 'POST', headers, batch);
  await expect.poll(() => left.text().includes('"id":2')).toBe(true);
  expect([...routing._requestToStreamMapping.keys()]).toEqual([2, 3]);
  left.close();
  await expect.poll(() => aborted).toEqual(['left']);
  // The answered request's entries go (before: they waited, with the stream's, for the waiting call,
  // which never answered); the cancelled one keeps its route, where what its handler still sends is dropped.
  expect(routing._requestResponseMap.size).toBe(0);
  expect([...routing._requestToStreamMapping.keys()]).toEqual([3]);
});
