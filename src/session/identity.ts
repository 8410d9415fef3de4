import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/** What is known of the caller of a request, for binding tasks to it. */
export interface CallerInfo {
  /** The transport's session id (Streamable HTTP), if any. */
  sessionId?: string;
  /** The authorization context the transport carries (e.g. from `requireBearerAuth`). */
  authInfo?: AuthInfo;
  /** Identifies the connection itself, for transports without sessions (stdio, in-memory). */
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
