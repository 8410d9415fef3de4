import type { ErrorMapper } from './engine/errorMapping.js';
import { toMcpError } from './errors.js';
import { errorShapeOf } from './sdk/index.js';
import { McpError } from './wire.js';

/**
 * The user's `mapError`, then: an error class of any SDK line the adapters know (v2's ProtocolError)
 * becomes the `McpError` the engine stores as a failed task's JSON-RPC error, as v1's McpError
 * always did. Without it, a v2 user's ProtocolError would end the task as an `isError` result.
 * @internal
 */
export function withSdkErrors(mapError: ErrorMapper | undefined): ErrorMapper {
  return (error, context) => {
    const mapped = mapError ? mapError(error, context) : error instanceof Error ? error : String(error);
    if (typeof mapped === 'string' || mapped instanceof McpError) return mapped;
    const shape = errorShapeOf(mapped);
    return shape ? toMcpError(shape) : mapped;
  };
}
