import type { ErrorMapper } from './engine/errorMapping.js';
import { toMcpError, UNREADABLE_ERROR } from './errors.js';
import { errorShapeOf } from './sdk/index.js';
import { McpError } from './wire.js';

/**
 * The user's `mapError`, then: an error class of any SDK line the adapters know (v2's ProtocolError)
 * becomes the `McpError` the engine stores as a failed task's JSON-RPC error, as v1's McpError
 * always did. Without it, a v2 user's ProtocolError would end the task as an `isError` result.
 *
 * Only the user's `mapError` may throw here: the caller logs a throw as "mapError threw", which
 * must not be said when none is configured.
 * @internal
 */
export function withSdkErrors(mapError: ErrorMapper | undefined): ErrorMapper {
  return (error, context) => asSdkError(mapError ? mapError(error, context) : readable(error));
}

/**
 * The default mapping: an `Error` as it is, anything else as text. A null-prototype object, a
 * revoked Proxy or an object whose `toString` throws cannot be made text (`String` or even
 * `instanceof` throws), so the client gets a line saying so instead of the generic mapper failure.
 */
function readable(error: unknown): Error | string {
  try {
    return error instanceof Error ? error : String(error);
  } catch {
    return UNREADABLE_ERROR;
  }
}

/** `mapped` as an `McpError` when it is another SDK line's error class; as it is when it cannot be inspected. */
function asSdkError(mapped: McpError | Error | string): McpError | Error | string {
  try {
    if (typeof mapped === 'string' || mapped instanceof McpError) return mapped;
    const shape = errorShapeOf(mapped);
    return shape ? toMcpError(shape) : mapped;
  } catch {
    // A getter of the error (its `name`, `code`) threw: not an SDK error class; left to the engine.
    return mapped;
  }
}
