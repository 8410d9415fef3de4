import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent, Observer } from 'xstate';
import { SenderSockets } from './SenderSockets.js';

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
 * Starts a Stately inspector relay (the WebSocket hub and bridge page of `@statelyai/inspect/server`,
 * bound to `host`, no browser auto-open) and a `createWebSocketInspector` connected to it. Rejects
 * with a {@link RelayListenError} naming the address when the port cannot be had (e.g. taken).
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
  const relay = await startRelay(options.port ?? 8080, host);
  const { port } = relay;
  const relayUrl = `ws://${urlHost(host)}:${port}`;

  const senderConnected = once(relay.server, 'upgrade');
  const inspector = createWebSocketInspector({ url: relayUrl });
  const senders = new SenderSockets(inspector);
  try {
    await withTimeout(senderConnected, 5000, `the inspector did not reach the relay at ${relayUrl}`);
  } catch (error) {
    await senders.stop();
    await relay.stop();
    throw error;
  }

  return {
    inspect: inspector.inspect,
    url: `http://${urlHost(host)}:${port}`,
    relayUrl,
    inspector,
    stop: async () => {
      // The inspector converts each event on a 0 ms timer; let those run so the last snapshots go out.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await senders.stop();
      await relay.stop();
    },
  };
}

interface Relay {
  server: http.Server;
  port: number;
  stop(): Promise<void>;
}

/** Where the bridge page's frame loads the inspector UI from. */
const INSPECTOR_UI = 'https://stately.ai/inspect';
/** Messages the relay keeps for a page that connects later (what `@statelyai/inspect/server` keeps). */
const REPLAY = 200;

/**
 * The relay `@statelyai/inspect/server`'s `createInspectorServer` runs (a page that embeds the
 * inspector UI, and a WebSocket hub that replays the last 200 messages to each newcomer and passes
 * every message on to the other sockets), opened here with `ws` itself. `createInspectorServer`
 * listens on every interface, has no host option, and lets its WebSocketServer re-emit a listen
 * error (a busy port) as an 'error' event nobody can handle, which ends the process. Opened here,
 * it binds to `host`, a busy port rejects `startRelay`, and the upgrade is ours to check.
 */
async function startRelay(requestedPort: number, host: string): Promise<Relay> {
  const hub = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const replay: string[] = [];
  hub.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    for (const message of replay) socket.send(message);
    socket.on('message', (data) => {
      const message = String(data);
      replay.push(message);
      if (replay.length > REPLAY) replay.shift();
      for (const client of hub.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
    });
  });

  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(bridgePage(INSPECTOR_UI));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // A web page of any other origin could open a WebSocket to a loopback port and read the
    // stream; only the bridge page (same origin) and non-browser clients (no Origin) get in.
    if (!sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    hub.handleUpgrade(req, socket, head, (ws) => hub.emit('connection', ws, req));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(requestedPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    hub.close();
    throw new RelayListenError(host, requestedPort, error);
  }
  // Once listening, the server has nothing left to report that should end the process.
  server.on('error', () => {});
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    stop: async () => {
      const closed = once(server, 'close');
      for (const client of hub.clients) client.terminate();
      hub.close();
      server.close();
      // Browser tabs keep their WebSocket open; the relay is going away, so they are cut.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The relay could not listen: names the address and why (e.g. `EADDRINUSE`, the port is taken). */
export class RelayListenError extends Error {
  /** The port asked for. */
  readonly port: number;
  /** The interface asked for. */
  readonly host: string;
  /** The system error code, e.g. `EADDRINUSE` or `EACCES`, when there is one. */
  readonly code: string | undefined;

  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const why = code === 'EADDRINUSE' ? 'the port is already in use' : cause instanceof Error ? cause.message : String(cause);
    super(`mcp-task-actors: the Stately inspector relay could not listen on ${urlHost(host)}:${port}: ${why}`, { cause });
    this.name = 'RelayListenError';
    this.port = port;
    this.host = host;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * The page a person opens: the inspector UI in a frame, fed through `postMessage` from the relay.
 * Its WebSocket goes back to the host the page came from. Until the frame says it is connected,
 * messages wait in `buffer`.
 */
function bridgePage(inspectorUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <title>Stately Inspector</title>
  <style>
    * { margin: 0; padding: 0; }
    html, body { height: 100%; }
    iframe { width: 100%; height: 100%; border: none; }
  </style>
</head>
<body>
  <iframe id="inspector" src="${inspectorUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        buffer.forEach((event) => iframe.contentWindow.postMessage(event, '*'));
        buffer.length = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
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
