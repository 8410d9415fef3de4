import type { McpError } from '../wire.js';
import { ErrorCode } from '../wire.js';
import { toMcpError } from '../errors.js';

/** Where a thrown error came from, for {@link ErrorMapper}. */
export interface WorkErrorContext {
  /** The tool whose work threw. */
  tool: string;
  /** The task's id, or undefined when an `optional` tool ran inline. */
  taskId: string | undefined;
}

/**
 * Decides what a client sees of an error the work threw, before it is stored or sent: return an
 * `McpError` to answer with that JSON-RPC error, or an `Error`/string whose message becomes the
 * task's `statusMessage` and the text of its `isError` result. Only the message ever leaves the
 * process (never the stack, `cause` or other properties), mapped or not.
 *
 * @example
 * ```ts
 * mapError: (error, { tool }) => {
 *   if (error instanceof McpError || error instanceof UserFacingError) return error;
 *   logger.error(`tool ${tool} failed`, error);       // the full error stays in the server log
 *   return 'Internal error; see the server log';
 * }
 * ```
 */
export type ErrorMapper = (error: unknown, context: WorkErrorContext) => McpError | Error | string;

const MAPPER_FAILED = 'Internal error while reporting the tool error';

/**
 * Applies the mapper to what the work threw and returns the value to throw instead. A mapper that
 * throws (or returns something else) is logged and gives a generic message: it must not be the
 * way a raw error slips out.
 * @internal
 */
export function mapWorkError(
  error: unknown,
  mapper: ErrorMapper | undefined,
  context: WorkErrorContext,
  logger: Pick<Console, 'error'>,
): unknown {
  if (!mapper) return error;
  let mapped: unknown;
  try {
    mapped = mapper(error, context);
  } catch (mapperError) {
    logger.error(`mcp-task-actors: mapError threw while mapping an error of tool ${context.tool}`, mapperError);
    return new Error(MAPPER_FAILED);
  }
  if (typeof mapped === 'string') return new Error(mapped);
  if (mapped instanceof Error) return mapped;
  logger.error(`mcp-task-actors: mapError returned neither an Error nor a string for tool ${context.tool}`);
  return new Error(MAPPER_FAILED);
}

/**
 * -32603 for a result (or, `thrown`, an error) that cannot be stored or sent as JSON (cycles,
 * BigInt, a getter that throws). One line: `JSON.stringify`'s cycle error spans three, which a
 * status message carried as they were.
 * @internal
 */
export function unserializableResult(error: unknown, thrown = false): McpError {
  const what = thrown ? 'Tool threw an error that cannot be sent as JSON' : 'Tool returned a result that is not JSON';
  return toMcpError({ code: ErrorCode.InternalError, message: `${what}: ${firstLineOf(error)}` });
}

/** The first line of what JSON.stringify (or a getter it ran) threw, whatever it threw. */
function firstLineOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
  } catch {
    // A thrown value that cannot even be read (a null-prototype object, a revoked Proxy).
    return 'a value that cannot be read was thrown';
  }
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}
