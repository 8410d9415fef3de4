import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 whose pairs of connections the caller wires (see {@link startTcpProxy}). */
export interface TcpProxy {
  /** Where clients connect instead of the target. */
  readonly port: number;
  /** Drops every open connection (both sides). */
  dropAll(): void;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A proxy to `host`:`port`. For each client that `admit` lets in (default: all), it opens a
 * connection to the target and hands both to `wire`, which forwards (or holds, or drops) what
 * the client sends; replies go back to the client unless `wire` returns a handler of its own for
 * them. Either side closing or failing closes both.
 */
export async function startTcpProxy(
  port: number,
  host: string,
  wire: (client: Socket, upstream: Socket) => ((reply: Buffer) => void) | void,
  admit: () => boolean = () => true,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  const server: Server = createServer((client) => {
    if (!admit()) return void client.destroy();
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const onReply = wire(client, upstream) ?? ((chunk: Buffer) => void client.write(chunk));
    upstream.on('data', onReply);
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
  return {
    port: (server.address() as AddressInfo).port,
    dropAll,
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
