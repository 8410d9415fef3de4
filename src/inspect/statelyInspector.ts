import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { createWebSocketInspector } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import type { InspectionEvent, Observer } from 'xstate';

/** Options of {@link startStatelyInspector}. */
export interface StatelyInspectorOptions {
  /** Port of the relay (WebSocket and the bridge page). Default 8080, Stately's own; 0 picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`: the relay rebroadcasts every task lifecycle to anyone who connects. */
  host?: string;
}

/** A running Stately inspector relay with an inspection observer feeding it. */
export interface StatelyInspector {
  /** Pass to `TaskSupport`'s `inspect` option (TaskSupport sanitises what reaches it). */
  readonly inspect: Observer<InspectionEvent>;
  /** The bridge page to open in a browser; it embeds the Stately inspector and feeds it from the relay. */
  readonly url: string;
  /** The relay's WebSocket address (any `createWebSocketReceiver`-style client can listen here). */
  readonly relayUrl: string;
  /** The underlying `createWebSocketInspector` inspector (e.g. to report actors of your own). */
  readonly inspector: ReturnType<typeof createWebSocketInspector>;
  /** Flushes what is still queued, closes the inspector's connection and the relay. */
  stop(): Promise<void>;
}

/**
 * Starts `@statelyai/inspect`'s WebSocket relay (`createInspectorServer`, browser auto-open off)
 * and a `createWebSocketInspector` connected to it.
 *
 * @example
 * ```ts
 * const inspector = await startStatelyInspector({ port: 8080 });
 * const tasks = TaskSupport.inMemory({ inspect: inspector.inspect });
 * console.log(`open ${inspector.url}`);
 * // …
 * await tasks.close();
 * await inspector.stop();
 * ```
 */
export async function startStatelyInspector(options: StatelyInspectorOptions = {}): Promise<StatelyInspector> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 8080);
  const relay = await startRelay(port, host);
  const relayUrl = `ws://${urlHost(host)}:${port}`;

  const senderConnected = once(relay.server, 'upgrade');
  const inspector = createWebSocketInspector({ url: relayUrl });
  await withTimeout(senderConnected, 5000, `the inspector did not reach the relay at ${relayUrl}`);

  return {
    inspect: inspector.inspect,
    url: `http://${urlHost(host)}:${port}`,
    relayUrl,
    inspector,
    stop: async () => {
      // The inspector converts each event on a 0 ms timer; let those run so the last snapshots go out.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await closeSender(inspector);
      await relay.stop();
    },
  };
}

/** The adapter's current WebSocket (`createWebSocketInspector` keeps it in a private field). */
interface SenderSocket {
  readyState: number;
  onerror: ((event: unknown) => void) | null;
  once(event: 'close', listener: () => void): unknown;
}

const CLOSING = 2;
const CLOSED = 3;

function senderOf(inspector: ReturnType<typeof createWebSocketInspector>): SenderSocket | undefined {
  const ws = (inspector.adapter as unknown as { ws?: Partial<SenderSocket> }).ws;
  return ws && typeof ws.once === 'function' && typeof ws.readyState === 'number' ? (ws as SenderSocket) : undefined;
}

/**
 * Stops the inspector so that it stays stopped. Its adapter reconnects 5 s after any socket error,
 * and keeps doing so after `stop()` (a stopped bench once kept dialling a closed relay every 5 s).
 * So: if a reconnect is pending, wait for it while the relay is still up; then disarm the socket's
 * error handler, close it, and wait for the close before the relay goes.
 */
async function closeSender(inspector: ReturnType<typeof createWebSocketInspector>): Promise<void> {
  let sender = senderOf(inspector);
  if (sender && sender.readyState >= CLOSING) {
    const broken = sender;
    const deadline = Date.now() + 6000;
    while (senderOf(inspector) === broken && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    sender = senderOf(inspector);
  }
  if (sender) sender.onerror = () => {};
  const closed = sender && sender.readyState !== CLOSED ? new Promise<void>((resolve) => sender.once('close', resolve)) : undefined;
  inspector.stop();
  if (closed) await withTimeout(closed, 2000, 'the inspector did not close its connection').catch(() => {});
}

interface Relay {
  server: http.Server;
  stop(): Promise<void>;
}

/**
 * `createInspectorServer` listens on every interface and offers neither a host option nor an error
 * hook. Its HTTP server is created synchronously inside the call, so for that call only
 * `http.createServer` hands out a server whose `listen` is pinned to `host`; the server is kept to
 * report a busy port as an error instead of an unhandled 'error' event, and to close its sockets.
 */
async function startRelay(port: number, host: string): Promise<Relay> {
  const createServer = http.createServer;
  let server: http.Server | undefined;
  let relay: { stop(): void };
  http.createServer = ((...args: Parameters<typeof http.createServer>) => {
    const created = createServer(...args);
    const listen = created.listen.bind(created) as (port: number, host: string, callback?: () => void) => http.Server;
    created.listen = ((p: number, callback?: () => void) => listen(p, host, callback)) as typeof created.listen;
    server = created;
    return created;
  }) as typeof http.createServer;
  try {
    relay = createInspectorServer({ port, autoOpen: false });
  } finally {
    http.createServer = createServer;
  }
  if (!server) throw new Error('mcp-task-actors: @statelyai/inspect did not create its relay server');
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('listening', resolve);
    server!.once('error', reject);
  });
  const listening = server;
  return {
    server: listening,
    stop: async () => {
      const closed = once(listening, 'close');
      relay.stop();
      // Browser tabs keep their WebSocket open; the relay is going away, so they are cut.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function freePort(host: string): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`mcp-task-actors: ${message}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
