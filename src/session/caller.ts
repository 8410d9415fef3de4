import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpError } from '../wire.js';
import { ErrorCode, InitializeRequestSchema } from '../wire.js';
import type { InitializeResult, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { currentRequestHandler } from '../sdk/v1/internals.js';
import type { ServerExtra } from './ServerBinding.js';
import { toMcpError } from '../errors.js';

/**
 * What to do with a request that carries neither a session id nor an authorization context:
 * - `'auto'` (default): over HTTP (stateless Streamable HTTP: every request is a new connection)
 *   the caller cannot be told apart from anyone else, so it is anonymous; over a transport that is
 *   one caller's own pipe (stdio, in-memory) the caller is that connection.
 * - `'anonymous'`: always anonymous.
 * - `'connection'`: always the connection (tasks of a stateless HTTP caller are then unreachable
 *   from its next request).
 *
 * Anonymous callers share one owner: any of them holding a task id may get, wait for and cancel
 * that task (the id, 128 random bits, is the only capability), `tasks/list` is refused (-32601)
 * and not advertised, and they count as one caller for `maxLiveTasksPerCaller` and the rate limits.
 */
export type UnidentifiedCallers = 'auto' | 'anonymous' | 'connection';

/** The owner of tasks created by anonymous callers. No identity derived from a session or auth has this form. */
export const ANONYMOUS_OWNER = 'anonymous';

/** Whether this request's caller is anonymous under `policy`. @internal */
export function isAnonymousCaller(policy: UnidentifiedCallers, extra: ServerExtra): boolean {
  if (extra.authInfo !== undefined || extra.sessionId !== undefined) return false;
  if (policy === 'anonymous') return true;
  // Only HTTP transports attach requestInfo; a stateful HTTP session would have a session id.
  return policy === 'auto' && extra.requestInfo !== undefined;
}

/** The -32601 answered to `tasks/list` from an anonymous caller. @internal */
export function listUnavailable(): McpError {
  const message =
    'tasks/list is not available: this server cannot tell callers apart (no session, no authorization), so task ids are the only capability';
  return toMcpError({ code: ErrorCode.MethodNotFound, message });
}

/**
 * Leaves `tasks.list` out of the capabilities answered to an anonymous caller's `initialize`, as the
 * spec asks of receivers that cannot identify requestors. Wraps the SDK's own initialize handler.
 * @internal
 */
export function hideListFromAnonymous(server: Server, isAnonymous: (extra: ServerExtra) => boolean): void {
  const initialize = currentRequestHandler(server, 'initialize');
  if (!initialize) throw new Error('Unsupported @modelcontextprotocol/sdk: Server has no initialize handler');
  server.setRequestHandler(InitializeRequestSchema, async (request, extra) => {
    const result = (await initialize(request as unknown as JSONRPCRequest, extra)) as InitializeResult;
    const tasks = result.capabilities.tasks;
    if (!tasks?.list || !isAnonymous(extra)) return result;
    const { list: _hidden, ...rest } = tasks;
    return { ...result, capabilities: { ...result.capabilities, tasks: rest } };
  });
}
