import type { SdkAdapter } from '../types.js';
import type { JsonRpcErrorShape } from '../../types.js';
import { createV2Host } from './host.js';
import type { V2LowServer, V2McpServer } from './internals.js';

/**
 * A v2 low-level `Server`: `setRequestHandler(method: string, …)` is v2's shape (v1 takes a zod
 * schema first), and only v2's Server has `_wrapHandler`: both are checked, so a v1 server never matches.
 */
function isV2LowServer(server: object): server is V2LowServer {
  const s = server as Record<string, unknown>;
  return (
    typeof s['setRequestHandler'] === 'function' &&
    typeof s['registerCapabilities'] === 'function' &&
    typeof s['getClientCapabilities'] === 'function' &&
    typeof s['connect'] === 'function' &&
    typeof s['_wrapHandler'] === 'function' &&
    typeof s['assertCanSetRequestHandler'] === 'function'
  );
}

function isV2McpServer(server: object): server is V2McpServer {
  const inner = (server as { server?: unknown }).server;
  return (
    typeof (server as { registerTool?: unknown }).registerTool === 'function' &&
    typeof inner === 'object' &&
    inner !== null &&
    isV2LowServer(inner)
  );
}

/** SDK v2 (`@modelcontextprotocol/server` 2.x): detected by shape, so a v1 user never loads it. */
export const sdkV2: SdkAdapter = {
  name: '@modelcontextprotocol/server 2.x',
  accepts: (server) => isV2LowServer(server) || isV2McpServer(server),
  canonical: (server) => (isV2McpServer(server) ? server.server : server),
  host(server) {
    if (isV2McpServer(server)) return createV2Host(server.server, server);
    if (isV2LowServer(server)) return createV2Host(server);
    throw new TypeError('Not an SDK v2 server');
  },
  // v2's ProtocolError (and every error v2 puts on the wire) is read structurally: an integer `code`
  // and a `message`, the same fields v2's own dispatch reads off a thrown error.
  errorShape(error: unknown): JsonRpcErrorShape | undefined {
    if (!(error instanceof Error) || error.name !== 'ProtocolError') return undefined;
    const { code, data } = error as Error & { code?: unknown; data?: unknown };
    if (!Number.isSafeInteger(code)) return undefined;
    return { code: code as number, message: error.message, ...(data === undefined ? {} : { data }) };
  },
};
