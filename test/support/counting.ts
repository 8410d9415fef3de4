import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Counts the closes of `server` in `servers.closed` (host tests check that every server made is closed). */
export function countingCloses<T extends { close(): Promise<void> }>(server: T, servers: { closed: number }): T {
  const close = server.close.bind(server);
  server.close = async () => {
    servers.closed += 1;
    await close();
  };
  return server;
}

/** Records in `methods` the method of each request sent on `transport` (the server's side: what the client receives). */
export function recordingRequests(transport: Transport, methods: string[]): void {
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) methods.push(message.method);
    return send(message, options);
  };
}
