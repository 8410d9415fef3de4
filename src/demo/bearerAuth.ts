import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/**
 * Demo-only authentication: any `Authorization: Bearer <token>` is accepted and the token's hash
 * is the principal, so one client reaches its tasks through every instance. A real server verifies
 * tokens (e.g. the SDK's `requireBearerAuth`) and sets `req.auth` the same way.
 */
export function demoBearerAuth(req: IncomingMessage): AuthInfo | undefined {
  const header = req.headers['authorization'];
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) return undefined;
  const token = match[1]!;
  return { token, clientId: createHash('sha256').update(token).digest('hex').slice(0, 16), scopes: [] };
}
