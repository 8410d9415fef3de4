import { McpError } from '../wire.js';

/**
 * Runs a Redis call and names it in the error when it fails (Redis away, connection dropped).
 * The error stays a plain `Error`: `TaskSupport`'s store guard logs it and answers the client
 * -32603 "Task store unavailable: <call> failed (details in the server log)", so host names and
 * keys in ioredis messages never reach a client.
 * @internal
 */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof McpError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Redis ${what} failed: ${reason}`, { cause: error });
  }
}
