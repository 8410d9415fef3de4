import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * Runs a Redis call and turns a failure (Redis away, connection dropped) into the JSON-RPC error
 * the client gets: -32603 with a message that says what is wrong, never a hang.
 * @internal
 */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof McpError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new McpError(ErrorCode.InternalError, `Task store unavailable (Redis, ${what}): ${reason}`);
  }
}
