import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { errorShape } from '../../errors.js';
import type { SdkAdapter } from '../types.js';
import { createHost } from './host.js';

/** A server of SDK v1: a low-level `Server` or an `McpServer`. */
export type SdkV1Server = Server | McpServer;

/** A low-level v1 `Server`, by shape: its handler registry and the methods TaskSupport uses. */
function isLowLevelServer(value: unknown): value is Server {
  if (typeof value !== 'object' || value === null) return false;
  const server = value as Record<string, unknown>;
  return (
    typeof server['setRequestHandler'] === 'function' &&
    typeof server['registerCapabilities'] === 'function' &&
    typeof server['getClientCapabilities'] === 'function' &&
    typeof server['connect'] === 'function' &&
    server['_requestHandlers'] instanceof Map
  );
}

/** An `McpServer` of v1, by shape: a `registerTool` and a low-level `server` inside. */
function isMcpServer(value: object): value is McpServer {
  const server = value as Record<string, unknown>;
  return typeof server['registerTool'] === 'function' && isLowLevelServer(server['server']);
}

/** The adapter of `@modelcontextprotocol/sdk` 1.x. */
export const sdkV1: SdkAdapter = {
  name: '@modelcontextprotocol/sdk 1.x',
  accepts: (server) => isMcpServer(server) || isLowLevelServer(server),
  canonical: (server) => (isMcpServer(server) ? server.server : server),
  host: (server) => (isMcpServer(server) ? createHost(server.server, server) : createHost(server as Server, undefined)),
  errorShape: (error) => (error instanceof McpError ? errorShape(error) : undefined),
};
