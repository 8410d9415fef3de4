import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A TCP proxy in front of a redis-server, with the two faults the queue tests need. */
export interface QueueProxy {
  /** What the backend connects to. */
  url: string;
  /**
   * Once `on`: the connection that sends the first chunk holding `marker` (lower case) is dropped
   * as Redis's reply comes back, so Redis ran the command and the backend never hears of it.
   * With `holdMs`, that chunk and all the connection sends after it reach Redis `holdMs` late
   * instead (in order), and nothing is dropped: a slow Redis.
   */
  armed: { on: boolean; marker: string; dropped: number; holdMs?: number };
  /** Drops every connection and refuses new ones (Redis away) until {@link restore}. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A proxy to the redis-server on `port` (a lost reply for lostQueueReplies, lostEnqueueReplies and putBackRetry, plus
 * an outage): a connection dropped after Redis answered is what makes ioredis send a command again.
 */
export async function queueProxy(port: number): Promise<QueueProxy> {
  const armed: QueueProxy['armed'] = { on: false, marker: '', dropped: 0 };
  const sockets = new Set<Socket>();
  let away = false;
  const server: Server = createServer((client) => {
    if (away) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let dropNextReply = false;
    let held: Buffer[] | undefined;
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1').toLowerCase();
      if (armed.on && text.includes(armed.marker)) {
        armed.on = false;
        if (armed.holdMs === undefined) dropNextReply = true;
        else {
          const chunks: Buffer[] = (held = []);
          setTimeout(() => {
            held = undefined;
            for (const c of chunks) upstream.write(c);
          }, armed.holdMs);
        }
      }
      if (held) held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!dropNextReply) return void client.write(chunk);
      armed.dropped++;
      client.destroy();
      upstream.destroy();
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  // Port 0: one the OS picks as it listens (a port found free first could be taken before the listen).
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    armed,
    cut: () => {
      away = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      away = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
