import type { ServerResponse } from 'node:http';
import type { HttpTransport } from '../sdk/v1/http.js';
import type { SessionSlot } from './sessionCaps.js';

/** One open session: its transport (SDK v1's by default; the v2 demo's is v2's), its server, and who opened it. */
export interface HostedSession<T = HttpTransport> {
  id: string;
  transport: T;
  server: { close(): Promise<void> };
  /** The principal that opened it (undefined: anonymous); later requests must match. */
  principal: string | undefined;
  /** Its place under the host's session caps, given back when it leaves the table. */
  slot?: SessionSlot;
}

interface Entry<T> {
  session: HostedSession<T>;
  /** Requests (POSTs, GET streams) whose response has not closed yet. */
  inFlight: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * The host's session map with idle expiry: a session whose responses have all closed gets one timer;
 * a new request clears it. A session with an open GET stream is in use, however quiet.
 */
export class SessionTable<T = HttpTransport> {
  private readonly entries = new Map<string, Entry<T>>();

  /** `idleMs` 0: sessions never expire (the host checked it: `timerOption`). */
  constructor(private readonly idleMs: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): HostedSession<T> | undefined {
    return this.entries.get(id)?.session;
  }

  add(session: HostedSession<T>): void {
    const entry: Entry<T> = { session, inFlight: 0, idleTimer: undefined };
    this.entries.set(session.id, entry);
    this.arm(entry);
  }

  /** Counts `res` as in flight for the session until it closes. */
  track(session: HostedSession<T>, res: ServerResponse): void {
    const entry = this.entries.get(session.id);
    if (!entry || res.closed) return;
    entry.inFlight += 1;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    res.once('close', () => {
      entry.inFlight -= 1;
      if (entry.inFlight === 0 && this.entries.get(session.id) === entry) this.arm(entry);
    });
  }

  /** Drops a session whose transport closed (DELETE, server.close, expiry), giving its slot back. */
  forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.idleTimer);
    this.entries.delete(id);
    entry.session.slot?.release();
  }

  /** Closes one session's server (and so its transport and streams). */
  async close(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.forget(id);
    await entry.session.server.close();
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.entries.keys()].map((id) => this.close(id)));
  }

  private arm(entry: Entry<T>): void {
    if (this.idleMs <= 0 || entry.inFlight > 0) return;
    clearTimeout(entry.idleTimer);
    // unref: an idle session never keeps the process alive by itself.
    entry.idleTimer = setTimeout(() => void this.close(entry.session.id).catch(() => undefined), this.idleMs).unref();
  }
}
