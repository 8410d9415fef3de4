import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from '../http/loopback.js';

/**
 * The operator surface of the demo server: the live view (`/tasks`, `/tasks/events`) and what
 * `/health` says beyond "up" (task actor count, whether a task id runs here). It shows every
 * tenant's task ids, statuses and messages, so it is for the operator only: off unless enabled,
 * and when enabled either reached over loopback only or behind a token.
 */
export interface OperatorOptions {
  /** Serve the operator surface. Default `false`. */
  enabled?: boolean;
  /**
   * When set, every operator request must carry it: `Authorization: Bearer <token>` or
   * `?token=<token>` (what a browser tab can do; the live view page passes it on to its stream).
   * Required when the server listens on a non-loopback host.
   */
  token?: string;
}

/** What one request may see of the operator surface. */
export interface OperatorAccess {
  /** The operator surface is enabled on this server. */
  readonly enabled: boolean;
  /** This request may see it (enabled, and the token matches when one is set). */
  readonly granted: boolean;
}

/** What a request gets when no gate applies: nothing. */
export const NO_OPERATOR_ACCESS: OperatorAccess = Object.freeze({ enabled: false, granted: false });

/** Decides per request whether the operator surface is shown; built once per listening server. */
export class OperatorGate {
  private readonly tokenDigest: Buffer | undefined;
  readonly enabled: boolean;

  /** Throws when the surface is enabled without a token on a host that is not loopback. */
  constructor(options: OperatorOptions, host: string) {
    this.enabled = options.enabled ?? false;
    const token = options.token === '' ? undefined : options.token;
    if (this.enabled && token === undefined && !isLoopbackHost(host)) {
      throw new Error(
        `The operator surface (live view, per-task /health) shows every tenant's tasks: on host ${host}, which is not loopback, ` +
          'it needs an operator token (MTA_OPERATOR_TOKEN), or leave it off',
      );
    }
    this.tokenDigest = token === undefined ? undefined : digest(token);
  }

  /** Whether a token is required (set) for the operator surface. */
  get tokenRequired(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** What `req` may see. */
  check(req: IncomingMessage): OperatorAccess {
    if (!this.enabled) return NO_OPERATOR_ACCESS;
    if (this.tokenDigest === undefined) return { enabled: true, granted: true };
    const presented = presentedToken(req);
    // Compared as digests so the comparison takes the same time whatever the lengths.
    const granted = presented !== undefined && timingSafeEqual(digest(presented), this.tokenDigest);
    return { enabled: true, granted };
  }
}

/**
 * Answers a request for an operator page it may not see: 401 (asking for the token) when the
 * surface is on, nothing (false: the server's 404) when it is off.
 */
export function refuseOperatorRequest(access: OperatorAccess, res: ServerResponse): boolean {
  if (!access.enabled) return false;
  res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="operator"', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'operator token required: Authorization: Bearer <token> or ?token=<token>' }));
  return true;
}

/**
 * The demo's operator settings from its command line and environment: `MTA_OPERATOR_TOKEN` sets
 * the token; `--live-view` turns the surface on, `--no-live-view` off; by default it is on when the
 * server listens on loopback (what `npm start` does) or a token is set. Throws, as `serveHttp`
 * would, for `--live-view` on a non-loopback host without a token.
 */
export function operatorFromArgs(args: readonly string[], env: NodeJS.ProcessEnv, host: string): OperatorOptions {
  const token = env['MTA_OPERATOR_TOKEN'] || undefined;
  const enabled = args.includes('--no-live-view') ? false : args.includes('--live-view') || token !== undefined || isLoopbackHost(host);
  const options = token === undefined ? { enabled } : { enabled, token };
  new OperatorGate(options, host);
  return options;
}

function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers['authorization'];
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (bearer) return bearer[1];
  return queryOf(req).get('token') ?? undefined;
}

/**
 * The request target's query. Read from the target as it came, never as a URL relative to a base:
 * `new URL('//', base)` throws, and any peer can send that request line (it answered 500 and logged
 * a stack trace per request).
 */
export function queryOf(req: IncomingMessage): URLSearchParams {
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  return new URLSearchParams(query < 0 ? '' : target.slice(query + 1));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
