import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  ClientCapabilities,
  JSONRPCNotification,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Connection } from './SessionRouter.js';
import type { RegisteredTaskTool } from './toolRegistry.js';

/** The extra the SDK passes to server request handlers. */
export type ServerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * What `TaskSupport` knows of one SDK server (one session with Streamable HTTP): its current
 * connection and the task tools registered on it. Its connection carries the tasks the
 * server creates to their client for as long as that connection lives.
 * @internal
 */
export class ServerBinding {
  connection: Connection | undefined;
  readonly tools = new Map<string, RegisteredTaskTool>();
  enabled = false;
  toolHandlersInstalled = false;

  constructor(
    readonly server: Server,
    readonly mcpServer: McpServer | undefined,
  ) {}

  clientCapabilities(): ClientCapabilities | undefined {
    return this.server.getClientCapabilities();
  }

  async notify(notification: ServerNotification): Promise<boolean> {
    const connection = this.connection;
    if (!connection || connection.closed) return false;
    // Sent on the transport directly: the SDK's notification() would demand the `logging`
    // capability for task logs the work chose to send.
    const message = { jsonrpc: '2.0', ...notification } as JSONRPCNotification;
    try {
      await connection.send(message);
      return true;
    } catch {
      return false;
    }
  }
}
