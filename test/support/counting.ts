import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpHttpHost } from '../../src/http/index.js';
import type { McpHttpHostOptions } from '../../src/http/index.js';

/** Counts the closes of `server` in `servers.closed` (host tests check that every server made is closed). */
export function countingCloses<T extends { close(): Promise<void> }>(server: T, servers: { closed: number }): T {
  const close = server.close.bind(server);
  server.close = async () => {
    servers.closed += 1;
    await close();
  };
  return server;
}

/**
 * An McpHttpHost whose every server (an McpServer named `name`, a `ping` tool with `ping: true`) is
 * counted as made and as closed: the host tests check that no server is made for a refused request,
 * and that every one made is closed.
 */
export function countedHost(
  name: string,
  options: Partial<McpHttpHostOptions> = {},
  { ping = false }: { ping?: boolean } = {},
): { host: McpHttpHost; servers: { created: number; closed: number } } {
  const servers = { created: 0, closed: 0 };
  const host = new McpHttpHost({
    createServer: () => {
      servers.created += 1;
      const server = new McpServer({ name, version: '1' });
      if (ping) server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      return countingCloses(server, servers);
    },
    ...options,
  });
  return { host, servers };
}

/** Records in `methods` the method of each request sent on `transport` (the server's side: what the client receives). */
export function recordingRequests(transport: Transport, methods: string[]): void {
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) methods.push(message.method);
    return send(message, options);
  };
}
