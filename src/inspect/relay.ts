import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { loopbackHostNames } from '../http/loopback.js';
import { urlHost } from '../http/urlHost.js';

/** The relay behind `startStatelyInspector`: a WebSocket hub and the bridge page, on one port. */
export interface Relay {
  port: number;
  /** The path only the relay's own sender dials (secret): messages from any other socket are dropped. */
  senderPath: string;
  /** Resolves when the first sender socket got in. */
  senderConnected: Promise<void>;
  stop(): Promise<void>;
}

/** Where the bridge page's frame loads the inspector UI from. */
const INSPECTOR_UI = 'https://stately.ai/inspect';
/** Messages the relay keeps for a page that connects later (what `@statelyai/inspect/server` keeps)… */
const REPLAY = 200;
/** …and at most this many bytes of them (a snapshot with `sanitize: false` can be large). */
const REPLAY_BYTES = 4 * 1024 * 1024;
/** Listeners have nothing to say (the bridge page and receivers only read): a larger frame closes them. */
const LISTENER_MAX_PAYLOAD = 64 * 1024;
/**
 * A listener this far behind (bytes queued in the process, past what the kernel took) is cut: one
 * that never reads would otherwise hold every message sent since, without bound. A browser page
 * cut this way shows nothing new until it is reloaded.
 */
const MAX_BUFFERED = 8 * 1024 * 1024;
/**
 * What one sender message may be, in bytes: an inspection event with its snapshot. A larger frame
 * closes the sender (1009), and `@statelyai/inspect`'s sender never dials again after a close, so
 * the sender replaces a larger event by a small stand-in first (fitMessage.ts). Half of
 * {@link MAX_BUFFERED}: a message over it (10 MiB, or two of 6 MiB in a row) got every reading
 * listener cut before it had read it, while two of these in a row never can be; and no more than
 * {@link REPLAY_BYTES}, so the replay holds whole messages within its budget.
 */
export const SENDER_MAX_PAYLOAD = 4 * 1024 * 1024;
/** Messages the bridge page keeps while its inspector frame is not connected yet, newest kept… */
const PAGE_BUFFER = 1000;
/** …and at most this many characters of them. */
const PAGE_BUFFER_CHARS = 16 * 1024 * 1024;
/** Listeners at once; more get 503 (each may hold up to MAX_BUFFERED). */
const MAX_LISTENERS = 32;

/**
 * The relay `@statelyai/inspect/server`'s `createInspectorServer` runs (a page that embeds the
 * inspector UI, and a WebSocket hub that replays the last 200 messages to each newcomer and passes
 * messages on to the other sockets), opened here with `ws` itself. `createInspectorServer` listens
 * on every interface, has no host option, and lets its WebSocketServer re-emit a listen error (a
 * busy port) as an 'error' event nobody can handle, which ends the process. Opened here, it binds
 * to `host`, a busy port rejects `startRelay`, and every peer is checked: on loopback only loopback
 * Host names (DNS rebinding), no page of another origin, only the own sender's messages relayed,
 * a bounded number of listeners, each cut once it falls {@link MAX_BUFFERED} behind.
 */
export async function startRelay(requestedPort: number, host: string): Promise<Relay> {
  const listeners = new WebSocketServer({ noServer: true, maxPayload: LISTENER_MAX_PAYLOAD });
  const senders = new WebSocketServer({ noServer: true, maxPayload: SENDER_MAX_PAYLOAD });
  const senderPath = `/sender/${randomUUID()}`;
  // Each message with its size in bytes (UTF-8): counted in UTF-16 units, a replay of non-ASCII
  // text (a status message in Chinese) held three times REPLAY_BYTES, past what a newcomer may lag.
  const replay: { message: string; bytes: number }[] = [];
  let replayBytes = 0;

  const deliver = (client: WebSocket, message: string): void => {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > MAX_BUFFERED) return void client.terminate();
    client.send(message);
  };
  listeners.on('connection', (socket: WebSocket) => {
    socket.on('error', () => socket.terminate());
    // Whatever a listener sends is dropped: only the sender's events reach the viewers.
    socket.on('message', () => {});
    // Sent whole (REPLAY_BYTES < MAX_BUFFERED): a newcomer is not cut for the backlog it is given.
    for (const { message } of replay) socket.send(message);
  });
  const senderConnected = new Promise<void>((resolve) => senders.once('connection', () => resolve()));
  senders.on('connection', (socket: WebSocket) => {
    socket.on('error', () => socket.terminate());
    socket.on('message', (data) => {
      const message = String(data);
      const bytes = Buffer.byteLength(message);
      replay.push({ message, bytes });
      replayBytes += bytes;
      while (replay.length > REPLAY || (replayBytes > REPLAY_BYTES && replay.length > 1)) replayBytes -= replay.shift()!.bytes;
      for (const client of listeners.clients) deliver(client, message);
    });
  });

  // Every loopback interface (127.0.0.2 too) serves loopback names only, as McpHttpHost's does.
  const allowedHosts = loopbackHostNames(host);
  const server = http.createServer((req, res) => {
    if (!hostAllowed(req, allowedHosts)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Invalid Host header');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(bridgePage(INSPECTOR_UI));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // A web page of any other origin could open a WebSocket to a loopback port and read the
    // stream, and one on a rebound name (evil.example → 127.0.0.1) is its own origin: only the
    // bridge page and non-browser clients (no Origin) on a loopback name get in.
    if (!hostAllowed(req, allowedHosts) || !sameOrigin(req)) return refuseUpgrade(socket, '403 Forbidden');
    if (req.url === senderPath) return senders.handleUpgrade(req, socket, head, (ws) => senders.emit('connection', ws, req));
    if (listeners.clients.size >= MAX_LISTENERS) return refuseUpgrade(socket, '503 Service Unavailable');
    listeners.handleUpgrade(req, socket, head, (ws) => listeners.emit('connection', ws, req));
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
    listeners.close();
    senders.close();
    throw new RelayListenError(host, requestedPort, error);
  }
  // Once listening, the server has nothing left to report that should end the process.
  server.on('error', () => {});
  const { port } = server.address() as AddressInfo;
  return {
    port,
    senderPath,
    senderConnected,
    stop: async () => {
      const closed = once(server, 'close');
      for (const hub of [listeners, senders]) {
        for (const client of hub.clients) client.terminate();
        hub.close();
      }
      server.close();
      // Browser tabs keep their WebSocket open; the relay is going away, so they are cut.
      for (const socket of sockets) socket.destroy();
      replay.length = 0;
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

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The request's Host name (no port) is one of `allowed`; any when `allowed` is undefined. */
function hostAllowed(req: http.IncomingMessage, allowed: readonly string[] | undefined): boolean {
  if (!allowed) return true;
  // The name before an optional port, read strictly: `evil.example@127.0.0.1` is no loopback name.
  const name = /^(\[[0-9a-fA-F:.]+\]|[^:[\]@/]+)(?::\d+)?$/.exec(req.headers.host ?? '')?.[1];
  return name !== undefined && allowed.includes(name.toLowerCase());
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
 * messages wait in `buffer`. Posted to the inspector's origin only, and "connected" taken only from
 * the frame on that origin: with `'*'` a frame navigated elsewhere (a link or redirect in it) got
 * every task's events, and any document in it could make the bridge flush its buffer to nobody.
 */
function bridgePage(inspectorUrl: string): string {
  const origin = JSON.stringify(new URL(inspectorUrl).origin);
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
    const inspectorOrigin = ${origin};
    // Kept while the inspector frame is not connected (offline, stately.ai unreachable: never), so
    // at most the newest ${PAGE_BUFFER} messages and ${PAGE_BUFFER_CHARS} characters of them, or the tab grew without end.
    const buffer = [];
    const sizes = [];
    let bufferedChars = 0;
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.source !== iframe.contentWindow || e.origin !== inspectorOrigin) return;
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        buffer.forEach((event) => iframe.contentWindow.postMessage(event, inspectorOrigin));
        buffer.length = 0;
        sizes.length = 0;
        bufferedChars = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) return iframe.contentWindow.postMessage(data, inspectorOrigin);
      buffer.push(data);
      sizes.push(event.data.length);
      bufferedChars += event.data.length;
      while (buffer.length > ${PAGE_BUFFER} || (bufferedChars > ${PAGE_BUFFER_CHARS} && buffer.length > 1)) {
        buffer.shift();
        bufferedChars -= sizes.shift();
      }
    };
  </script>
</body>
</html>`;
}
