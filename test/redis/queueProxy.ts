import { startTcpProxy } from '../support/tcpProxy.js';

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
  let away = false;
  const proxy = await startTcpProxy(
    port,
    '127.0.0.1',
    (client, upstream) => {
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
      return (reply) => {
        if (!dropNextReply) return void client.write(reply);
        armed.dropped++;
        client.destroy();
        upstream.destroy();
      };
    },
    () => !away,
  );
  return {
    url: `redis://127.0.0.1:${proxy.port}`,
    armed,
    cut: () => {
      away = true;
      proxy.dropAll();
    },
    restore: () => {
      away = false;
    },
    close: () => proxy.close(),
  };
}
