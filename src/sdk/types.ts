import type { ServerHost } from '../session/ServerHost.js';
import type { JsonRpcErrorShape } from '../types.js';

/**
 * One SDK line (v1: `@modelcontextprotocol/sdk` 1.x; v2: `@modelcontextprotocol/server` 2.x): how
 * TaskSupport recognises its servers and drives them. Each line lives in its own folder under
 * src/sdk/ and is listed once in src/sdk/index.ts.
 */
export interface SdkAdapter {
  readonly name: string;
  /** By shape, never `instanceof` (two copies of an SDK may be installed). */
  accepts(server: object): boolean;
  /** The object that stands for the server (v1: the low-level `Server`, also behind an McpServer): one host each. */
  canonical(server: object): object;
  /** Adapts the server; called once per canonical server (TaskSupport caches it). */
  host(server: object): ServerHost;
  /** The JSON-RPC error carried by an error class of this SDK (v1 McpError, v2 ProtocolError), for work that throws one. */
  errorShape(error: unknown): JsonRpcErrorShape | undefined;
}
