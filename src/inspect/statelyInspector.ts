import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import { urlHost } from '../http/urlHost.js';
import { SENDER_MAX_PAYLOAD, startRelay } from './relay.js';
import { SenderSockets } from './SenderSockets.js';

export { RelayListenError } from './relay.js';
import { withTimeout } from '../withTimeout.js';

/** Options of {@link startStatelyInspector}. */
export interface StatelyInspectorOptions {
  /** Port of the relay (WebSocket and the bridge page). Default 8080, Stately's own; 0 picks a free one. */
  port?: number;
  /**
   * Interface to bind. Default `127.0.0.1`: the relay rebroadcasts every task lifecycle to anyone who
   * connects. An empty one (which `listen` takes as every interface) is refused with a TypeError.
   */
  host?: string;
}

/** A running Stately inspector relay with an inspection observer feeding it. */
export interface StatelyInspector {
  /** Pass to `TaskSupport`'s `inspect` option (TaskSupport sanitises what reaches it). */
  readonly inspect: Observer<InspectionEvent>;
  /** The bridge page to open in a browser; it embeds the Stately inspector and feeds it from the relay. */
  readonly url: string;
  /** The relay's WebSocket address (any `createWebSocketReceiver`-style client can listen here; what listeners send is dropped). */
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
  // `listen` takes '' as "every interface", where the relay would rebroadcast every task's lifecycle
  // to the network (an empty HOST variable), and the sender's URL then is no URL.
  if (typeof host !== 'string' || host.trim() === '') {
    throw new TypeError(
      `mcp-task-actors: startStatelyInspector's host must name an interface (e.g. 127.0.0.1), got ${JSON.stringify(host)}`,
    );
  }
  const relay = await startRelay(options.port ?? 8080, host);
  const { port } = relay;
  const relayUrl = `ws://${urlHost(host)}:${port}`;

  let inspector: ReturnType<typeof createWebSocketInspector>;
  let senders: SenderSockets | undefined;
  try {
    // The sender dials a secret path of its own: the relay passes on only what comes in there.
    inspector = createWebSocketInspector({ url: `${relayUrl}${relay.senderPath}` });
    // What the relay would refuse (and close the sender for) is replaced by a stand-in before it is sent.
    senders = new SenderSockets(inspector, SENDER_MAX_PAYLOAD);
    await withTimeout(relay.senderConnected, 5000, `mcp-task-actors: the inspector did not reach the relay at ${relayUrl}`);
  } catch (error) {
    // Whatever failed (a sender URL `ws` refuses throws at once), the relay must not stay listening.
    await senders?.stop();
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
