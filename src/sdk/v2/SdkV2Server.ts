/**
 * A low-level SDK v2 `Server` (`@modelcontextprotocol/server` 2.x), by three of its public methods.
 * See {@link SdkV2Server} for why it is not v2's own type.
 */
export interface SdkV2LowServer {
  // Any arguments: v2's overloads are generic over its method names, which a plain signature does not match.
  setRequestHandler(...args: never[]): unknown;
  getClientCapabilities(): unknown;
  connect(transport: never): Promise<void>;
}

/**
 * A server of SDK v2 (`@modelcontextprotocol/server` 2.x) as the public types name it: a low-level
 * `Server` or an `McpServer`, by a few of their public members.
 *
 * Structural on purpose: v2 is an optional peer, and a type imported from it would be `any` for a
 * user on SDK v1 alone (or fail their build with `skipLibCheck` off), so `registerTool('not a
 * server', …)` would compile. Which line a server is of is decided at run time, by the adapters'
 * shape checks (`sdk/v2/adapter.ts`).
 */
export type SdkV2Server = SdkV2LowServer | { readonly server: SdkV2LowServer; registerTool(...args: never[]): unknown };
