/**
 * `mcp-task-actors/http`: a Streamable HTTP host for one-`McpServer`-per-session servers (SDK v1),
 * on the SDK's own transport, Host check and body limit. Everything exported here is public API.
 */
export { McpHttpHost } from './McpHttpHost.js';
export type { Authenticate, HostedServer, ListenOptions, ListeningHost, McpHttpHostOptions, SessionRequest } from './McpHttpHostOptions.js';
