import { randomBytes } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { InitializeResult } from '@modelcontextprotocol/sdk/types.js';
import { toMcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { McpError } from '../wire.js';
import type { RequestCaller } from './ServerHost.js';

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

/**
 * A request's caller, as each SDK line's adapter reports it. Filled in place, not spread from
 * `{}` literals: those gave every caller object a hidden class of its own (see src/merged.ts).
 * @internal
 */
export function requestCaller(overHttp: boolean, sessionId: string | undefined, authInfo: AuthInfo | undefined): RequestCaller {
  const caller: RequestCaller = { overHttp };
  if (sessionId !== undefined) caller.sessionId = sessionId;
  if (authInfo !== undefined) caller.authInfo = authInfo;
  return caller;
}

/** Whether this request's caller is anonymous under `policy`. @internal */
export function isAnonymousCaller(policy: UnidentifiedCallers, caller: RequestCaller): boolean {
  if (caller.authInfo !== undefined || caller.sessionId !== undefined) return false;
  if (policy === 'anonymous') return true;
  // A stateful HTTP session would have a session id.
  return policy === 'auto' && caller.overHttp;
}

/** The -32601 answered to `tasks/list` from an anonymous caller. @internal */
export function listUnavailable(): McpError {
  const message =
    'tasks/list is not available: this server cannot tell callers apart (no session, no authorization), so task ids are the only capability';
  return toMcpError({ code: ErrorCode.MethodNotFound, message });
}

/**
 * The `initialize` result an anonymous caller gets: without `tasks.list`, as the spec asks of
 * receivers that cannot identify requestors. @internal
 */
export function withoutListForAnonymous(result: InitializeResult, anonymous: boolean): InitializeResult {
  const tasks = result.capabilities.tasks;
  if (!tasks?.list || !anonymous) return result;
  const { list: _hidden, ...rest } = tasks;
  return { ...result, capabilities: { ...result.capabilities, tasks: rest } };
}

/**
 * Tells this process's connections from every other's. The SDK adapters number connections per
 * process (`c1`, `v2c1`, …), so the first stdio connection of every process sharing a store (Redis),
 * and of the same program after a restart, was `connection:c1`: one owner, whose tasks each of
 * them listed, read and cancelled. 96 random bits, drawn once per process.
 */
const PROCESS_TAG = randomBytes(12).toString('base64url');

/** A connection id unique beyond this process: what `identify` sees as `connectionId`. @internal */
function processWideConnectionId(connectionId: string): string {
  return `${connectionId}@${PROCESS_TAG}`;
}

/** The owner id of a request's caller: anonymous under the policy, else `identify`'s answer. @internal */
export function ownerOf(
  caller: RequestCaller,
  connectionId: string,
  policy: UnidentifiedCallers,
  identify: (caller: CallerInfo) => string,
): string {
  if (isAnonymousCaller(policy, caller)) return ANONYMOUS_OWNER;
  return identify({
    connectionId: processWideConnectionId(connectionId),
    ...(caller.sessionId === undefined ? {} : { sessionId: caller.sessionId }),
    ...(caller.authInfo === undefined ? {} : { authInfo: caller.authInfo }),
  });
}

/** What is known of the caller of a request, for binding tasks to it. */
export interface CallerInfo {
  /** The transport's session id (Streamable HTTP), if any. */
  sessionId?: string;
  /** The authorization context the transport carries (e.g. from `requireBearerAuth`). */
  authInfo?: AuthInfo;
  /**
   * Identifies the connection itself, for transports without sessions (stdio, in-memory): unique
   * among every process's connections, so it may bind tasks in a store several processes share.
   */
  connectionId: string;
}

/**
 * Default binding: the authenticated principal when there is one (so it reaches its tasks from any
 * session), else the session, else the connection.
 */
export function defaultIdentify(caller: CallerInfo): string {
  const auth = caller.authInfo;
  if (auth) {
    const subject = typeof auth.extra?.['sub'] === 'string' ? `:${auth.extra['sub']}` : '';
    return `auth:${auth.clientId}${subject}`;
  }
  if (caller.sessionId) return `session:${caller.sessionId}`;
  return `connection:${caller.connectionId}`;
}
