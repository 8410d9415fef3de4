import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStatelyInspector } from '../../src/inspect/index.js';
import type { StatelyInspector } from '../../src/inspect/index.js';
import { eventually } from '../support/harness.js';

/** What untrusted peers of the Stately relay can do to it: every one of them is refused or contained. */

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function relay(): Promise<StatelyInspector> {
  const inspector = await startStatelyInspector({ port: 0 });
  cleanups.push(() => inspector.stop());
  return inspector;
}

interface Listener {
  socket: WebSocket;
  messages: { type?: string; event?: { type?: string; n?: number } }[];
  closed: Promise<number>;
}

async function listen(url: string, options: WebSocket.ClientOptions = {}): Promise<Listener> {
  const socket = new WebSocket(url, options);
  const messages: Listener['messages'] = [];
  socket.on('message', (data) => void messages.push(JSON.parse(String(data)) as Listener['messages'][number]));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => socket.terminate());
  return { socket, messages, closed };
}

/** The HTTP status a WebSocket handshake was refused with (or 101 when it got in). */
async function handshakeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  const socket = new WebSocket(url, options);
  socket.on('error', () => {});
  cleanups.push(() => socket.terminate());
  return new Promise<number>((resolve) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('close', () => resolve(0));
  });
}

function getStatus(url: string, hostHeader: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.get(url, { headers: { host: hostHeader } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

/** Events the relay's own sender reports, as a task's would be (`event` is the inspector's public reporting call). */
function report(inspector: StatelyInspector, type: string, n: number, pad = ''): void {
  inspector.inspector.event('test-actor', { type, n, pad });
}

const eventsOf = (listener: Listener, type: string) => listener.messages.filter((m) => m.event?.type === type);

describe('the Stately relay facing untrusted peers', () => {
  it('refuses a page and a WebSocket on a rebound name (DNS rebinding to 127.0.0.1), even from that name’s own origin', async () => {
    const inspector = await relay();
    const port = new URL(inspector.relayUrl).port;
    const rebound = `rebind.example:${port}`;
    // What a page of http://rebind.example:<port> sends once its name resolves to 127.0.0.1.
    expect(await handshakeStatus(inspector.relayUrl, { headers: { host: rebound }, origin: `http://${rebound}` })).toBe(403);
    expect(await getStatus(inspector.url, rebound)).toBe(403);
    // Loopback names still get in.
    expect(await handshakeStatus(inspector.relayUrl, { headers: { host: `localhost:${port}` }, origin: `http://localhost:${port}` })).toBe(
      101,
    );
    expect(await getStatus(inspector.url, `127.0.0.1:${port}`)).toBe(200);
  });

  it("passes on only its own sender's events: a listener's messages reach no viewer, and a large one closes it", async () => {
    const inspector = await relay();
    const viewer = await listen(inspector.relayUrl);
    const intruder = await listen(inspector.relayUrl);
    const forged = { type: '@xstate.event', sessionId: 'x', event: { type: 'forged', n: 0 }, _version: '0.7.2' };
    intruder.socket.send(JSON.stringify(forged));
    report(inspector, 'genuine', 1);
    await eventually(() => eventsOf(viewer, 'genuine').length === 1);
    expect(eventsOf(viewer, 'forged')).toEqual([]);
    // Nor is it replayed to a page that connects later.
    const late = await listen(inspector.relayUrl);
    await eventually(() => eventsOf(late, 'genuine').length === 1);
    expect(eventsOf(late, 'forged')).toEqual([]);

    intruder.socket.send('x'.repeat(1024 * 1024));
    expect(await intruder.closed).toBe(1009); // message too big
    report(inspector, 'genuine', 2);
    await eventually(() => eventsOf(viewer, 'genuine').length === 2);
  });

  it('cuts a listener that never reads (bounded memory) while the others keep receiving', { timeout: 60_000 }, async () => {
    const inspector = await relay();
    const reader = await listen(inspector.relayUrl);
    const stalled = await listen(inspector.relayUrl);
    stalled.socket.pause(); // reads nothing from here on: the relay's sends to it pile up

    const COUNT = 64; // 64 MiB: far past what the kernel's socket buffers absorb on loopback
    const pad = 'x'.repeat(1024 * 1024);
    // Paced, 4 MiB at a time, each step read by the reader before the next: a reader is only ever a
    // step behind, far inside the 8 MiB a listener may lag, on however busy a machine. (All 64 at
    // once got the reader cut too, once, in CI: its reads share this process's event loop.)
    const STEP = 4;
    for (let n = 0; n < COUNT; n++) {
      report(inspector, 'big', n, pad);
      if ((n + 1) % STEP === 0) await eventually(() => eventsOf(reader, 'big').length === n + 1, 30_000);
    }

    // Let the stalled one read what reached it: the relay has cut it long before the end.
    stalled.socket.resume();
    const code = await Promise.race([stalled.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 10_000))]);
    expect(code).toBe(1006); // cut, no close frame
    expect(eventsOf(stalled, 'big').length).toBeLessThan(COUNT);
    // The relay serves on.
    report(inspector, 'after', 0);
    await eventually(() => eventsOf(reader, 'after').length === 1);
  });

  it('takes a bounded number of listeners at once (503 beyond), and a freed place can be taken again', async () => {
    const inspector = await relay();
    const listeners: Listener[] = [];
    for (let i = 0; i < 32; i++) listeners.push(await listen(inspector.relayUrl));
    expect(await handshakeStatus(inspector.relayUrl)).toBe(503);
    listeners[0]!.socket.close();
    await listeners[0]!.closed;
    await eventually(async () => (await handshakeStatus(inspector.relayUrl)) === 101);
    // The relay's own sender is not counted among them.
    report(inspector, 'still', 0);
    await eventually(() => eventsOf(listeners[1]!, 'still').length === 1);
  });
});
