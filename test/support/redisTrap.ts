import type { Socket } from 'node:net';
import { deferred } from './harness.js';
import { startTcpProxy } from './tcpProxy.js';

/**
 * A TCP proxy in front of one redis-server that stops an instance at a chosen command: the crash
 * point tests (an instance killed between two writes) connect the instance's backend, or its
 * worker pool, through it.
 */
export interface RedisTrap {
  /** Where the instance connects instead of the redis-server's port (127.0.0.1). */
  readonly port: number;
  /**
   * Catches the first chunk a connection sends that `match` accepts (the chunk as latin1 text, so
   * RESP as sent). Without `hold`, the trap kills at once (as {@link kill}): the chunk never reaches
   * Redis. With `hold`, that chunk and all that connection sends after it wait for {@link release}.
   * `onCaught` runs first thing after, before any other callback: the instance dies as the command
   * leaves it. Resolves with the caught chunk's text.
   */
  arm(match: RegExp, options?: { hold?: boolean; onCaught?: () => void }): Promise<string>;
  /** Sends on what a `hold` caught, in order, and forwards again. */
  release(): void;
  /** Drops every connection and refuses new ones: nothing more of the instance reaches Redis, as after SIGKILL. */
  kill(): void;
  /** Kills, and stops listening. */
  close(): Promise<void>;
}

/** A {@link RedisTrap} in front of the redis-server at `host`:`port`. */
export async function redisTrap(port: number, host = '127.0.0.1'): Promise<RedisTrap> {
  let armed: { match: RegExp; hold: boolean; onCaught: (() => void) | undefined; caught: (text: string) => void } | undefined;
  let held: { upstream: Socket; chunks: Buffer[] } | undefined;
  let dead = false;
  const proxy = await startTcpProxy(
    port,
    host,
    (client, upstream) => {
      client.on('data', (chunk) => {
        if (dead) return;
        const text = chunk.toString('latin1');
        if (armed?.match.test(text)) {
          const { hold, onCaught, caught } = armed;
          armed = undefined;
          if (hold) held = { upstream, chunks: [] };
          else kill();
          onCaught?.();
          caught(text);
          if (!hold) return;
        }
        if (held?.upstream === upstream) held.chunks.push(chunk);
        else upstream.write(chunk);
      });
    },
    () => !dead,
  );
  const kill = (): void => {
    dead = true;
    proxy.dropAll();
  };
  return {
    port: proxy.port,
    arm: (match, { hold = false, onCaught } = {}) => {
      const caught = deferred<string>();
      armed = { match, hold, onCaught, caught: caught.resolve };
      return caught.promise;
    },
    release: () => {
      const was = held;
      held = undefined;
      for (const chunk of was?.chunks ?? []) was!.upstream.write(chunk);
    },
    kill,
    close: async () => {
      dead = true;
      await proxy.close();
    },
  };
}
