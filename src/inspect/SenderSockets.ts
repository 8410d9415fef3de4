import type { createWebSocketInspector } from '@statelyai/inspect';
import { fitMessage } from './fitMessage.js';

/** One of the adapter's WebSockets (`ws`), as far as stopping it and fitting its messages need. */
interface SenderSocket {
  readyState: number;
  send(data: unknown, ...rest: unknown[]): void;
  onerror: ((event: unknown) => void) | null;
  on(event: 'error', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  close(): void;
}

const CLOSED = 3;
/** The adapter dials again this long after each socket error (`@statelyai/inspect`'s fixed delay). */
const RECONNECT_DELAY_MS = 5000;
/** How late that timer may fire on a loaded machine and still be waited for (it was > 1 s in CI). */
const RECONNECT_SLACK_MS = 10_000;

function isSocket(ws: unknown): ws is SenderSocket {
  const socket = ws as Partial<SenderSocket> | undefined;
  return (
    !!socket &&
    typeof socket.on === 'function' &&
    typeof socket.once === 'function' &&
    typeof socket.send === 'function' &&
    typeof socket.readyState === 'number'
  );
}

/**
 * Every WebSocket a `createWebSocketInspector` adapter opens, so that stopping it leaves none behind.
 *
 * The adapter dials again 5 s after *each* 'error' of a socket (one socket can fail twice, arming two
 * reconnects), replaces its `ws` field with the new socket and forgets the old one, and keeps doing
 * so after `stop()`, which closes only the current socket. A stopped bench once kept dialling a closed
 * relay every 5 s. So the field is wrapped to see every socket and count the reconnects armed and not
 * yet made; {@link stop} waits for those (however late their timers fire under load), then disarms
 * and closes every socket still open.
 *
 * Every message a socket sends passes {@link fitMessage} first: one over `maxMessageBytes` (the
 * relay's limit) would make the relay close the socket, and the adapter never dials again after a
 * close, so it is replaced by a small stand-in that says what it was.
 */
export class SenderSockets {
  private readonly sockets = new Set<SenderSocket>();
  private pending = 0;
  private lastErrorAt = 0;
  private stopping = false;

  constructor(
    private readonly inspector: ReturnType<typeof createWebSocketInspector>,
    private readonly maxMessageBytes: number,
  ) {
    const adapter = inspector.adapter as unknown as { ws?: unknown };
    let current = adapter.ws;
    this.watch(current);
    Object.defineProperty(adapter, 'ws', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (ws: unknown) => {
        current = ws;
        // A new socket is the adapter's reconnect: one armed reconnect done.
        if (this.pending > 0) this.pending -= 1;
        this.watch(ws);
      },
    });
  }

  /** Waits for the reconnects armed by socket errors, then closes every socket (each `close` awaited, 2 s at most). */
  async stop(): Promise<void> {
    const deadline = this.lastErrorAt + RECONNECT_DELAY_MS + RECONNECT_SLACK_MS;
    while (this.pending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.stopping = true;
    const closed: Promise<void>[] = [];
    for (const socket of this.sockets) {
      // Disarmed first: closing a socket that is still connecting emits an 'error', which would dial again.
      socket.onerror = () => {};
      if (socket.readyState !== CLOSED) closed.push(new Promise<void>((resolve) => socket.once('close', resolve)));
    }
    this.inspector.stop();
    for (const socket of this.sockets) if (socket.readyState !== CLOSED) socket.close();
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.sockets.clear();
  }

  private watch(ws: unknown): void {
    if (!isSocket(ws)) return;
    this.sockets.add(ws);
    // The adapter sends each event as one string (JSON) on whichever socket is current.
    const send = ws.send.bind(ws);
    ws.send = (data: unknown, ...rest: unknown[]) =>
      send(typeof data === 'string' ? fitMessage(data, this.maxMessageBytes) : data, ...rest);
    ws.on('error', () => {
      if (this.stopping) return;
      this.pending += 1;
      this.lastErrorAt = Date.now();
    });
    ws.once('close', () => this.sockets.delete(ws));
  }
}
