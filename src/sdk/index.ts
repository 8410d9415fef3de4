import type { JsonRpcErrorShape } from '../types.js';
import type { SdkAdapter } from './types.js';
import { sdkV1 } from './v1/adapter.js';
import type { SdkV1Server } from './v1/adapter.js';
import { sdkV2 } from './v2/adapter.js';
import type { SdkV2Server } from './v2/SdkV2Server.js';

/** Every SDK line TaskSupport serves, tried in order (a second line adds its adapter here). */
// v2 first: a v2 `Server` also has everything v1's shape check looks for (v2 adds `_wrapHandler`, which v2's check requires).
export const sdkAdapters: readonly SdkAdapter[] = [sdkV2, sdkV1];

/** A server TaskSupport can serve: a low-level `Server` or an `McpServer` of SDK v1 or SDK v2. */
export type AnyServer = SdkV1Server | SdkV2Server;

/** The adapter of the SDK line that made `server`; TypeError naming the supported lines otherwise. */
export function adapterFor(server: object): SdkAdapter {
  const adapter = sdkAdapters.find((candidate) => candidate.accepts(server));
  if (!adapter) {
    throw new TypeError(`mcp-task-actors: not a server of a supported SDK (${sdkAdapters.map((a) => a.name).join(', ')})`);
  }
  return adapter;
}

/** The JSON-RPC error an SDK error class carries, from the first adapter that knows it. */
export function errorShapeOf(error: unknown): JsonRpcErrorShape | undefined {
  for (const adapter of sdkAdapters) {
    const shape = adapter.errorShape(error);
    if (shape) return shape;
  }
  return undefined;
}
