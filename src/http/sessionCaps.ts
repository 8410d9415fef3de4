/**
 * How many sessions McpHttpHost holds at once, in all and per principal. Each session (and each
 * request opening one) holds a server made by `createServer`, which lives until DELETE or idle
 * expiry, so without a cap one client could open sessions until memory ran out, and one principal
 * could take every slot. A slot is taken before `createServer` is called and given back exactly once:
 * by the opening request when it ends without a session, else by the session when it leaves the table.
 */
import type { ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { LIMIT_EXCEEDED } from '../errors.js';
import type { LimitExceededData } from '../errors.js';
import { refuse } from './refuse.js';

/** `McpHttpHostOptions.maxSessions` when absent. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** `McpHttpHostOptions.maxSessionsPerPrincipal` when absent. */
export const DEFAULT_MAX_SESSIONS_PER_PRINCIPAL = 100;
/**
 * Seconds a refused initialize is told to wait (`Retry-After`). A slot frees only when a session
 * closes, which no client can predict; a few seconds keeps a polite client from spinning.
 */
const RETRY_AFTER_S = 5;

/** One taken slot; {@link release} is idempotent, so every path that may end its holder can call it. @internal */
export interface SessionSlot {
  /** Whose slot it is: the principal the session is bound to (undefined: anonymous). */
  readonly principal: string | undefined;
  /** Set once a session holds the slot: from then on the session's removal gives it back. */
  kept: boolean;
  release(): void;
}

/** The refusal of a slot: which cap, and its value. @internal */
export type SessionCapRefusal = LimitExceededData & { limit: 'maxSessions' | 'maxSessionsPerPrincipal' };

/**
 * A cap option as given: undefined for the default, `Infinity` for none.
 * @throws RangeError for anything but an integer of at least 1 or `Infinity` (as `TaskLimits`: a
 * typo must not silently turn a cap off, nor `0` silently refuse every session).
 */
function sessionCapOf(name: 'maxSessions' | 'maxSessionsPerPrincipal', value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`${name} must be an integer of at least 1, or Infinity; got ${String(value)}`);
}

/**
 * The principal a session is bound to and counted under (as the task layer's default `identify`
 * reads `authInfo`); undefined for an anonymous request. Written so that no two principals give
 * one text: `clientId:sub` made client `a:b` (any URL client id has a `:`) the principal of client
 * `a`'s user `b`, who was then served that session. Sessions live in one process's memory, so
 * unlike the stored task owner this text can change without a migration.
 * @internal
 */
export function principalOf(authInfo: AuthInfo | undefined): string | undefined {
  if (!authInfo) return undefined;
  const sub = authInfo.extra?.['sub'];
  return JSON.stringify(typeof sub === 'string' ? [authInfo.clientId, sub] : [authInfo.clientId]);
}

/** The slot counts. @internal */
export class SessionCaps {
  private held = 0;
  /** Slots per authenticated principal; an entry goes when its count reaches 0, so principals that come and go leave nothing. */
  private readonly perPrincipal = new Map<string, number>();
  private readonly maxSessions: number;
  private readonly maxPerPrincipal: number;

  /** The options as given (undefined: the default). @throws RangeError, see {@link sessionCapOf}. */
  constructor(maxSessions: number | undefined, maxPerPrincipal: number | undefined) {
    this.maxSessions = sessionCapOf('maxSessions', maxSessions, DEFAULT_MAX_SESSIONS);
    this.maxPerPrincipal = sessionCapOf('maxSessionsPerPrincipal', maxPerPrincipal, DEFAULT_MAX_SESSIONS_PER_PRINCIPAL);
  }

  /** Slots held now (sessions in the table plus requests opening one). */
  get size(): number {
    return this.held;
  }

  /** Principals holding at least one slot. */
  get principals(): number {
    return this.perPrincipal.size;
  }

  /**
   * A slot for a session of `principal` (undefined: anonymous, counted only in the total: anonymous
   * callers cannot be told apart), or the cap that refuses it.
   */
  take(principal: string | undefined): SessionSlot | SessionCapRefusal {
    if (this.held >= this.maxSessions) return { limit: 'maxSessions', max: this.maxSessions };
    const mine = principal === undefined ? 0 : (this.perPrincipal.get(principal) ?? 0);
    if (principal !== undefined && mine >= this.maxPerPrincipal) return { limit: 'maxSessionsPerPrincipal', max: this.maxPerPrincipal };
    this.held += 1;
    if (principal !== undefined) this.perPrincipal.set(principal, mine + 1);
    let released = false;
    return {
      principal,
      kept: false,
      release: () => {
        if (released) return;
        released = true;
        this.held -= 1;
        if (principal === undefined) return;
        const left = (this.perPrincipal.get(principal) ?? 1) - 1;
        if (left > 0) this.perPrincipal.set(principal, left);
        else this.perPrincipal.delete(principal);
      },
    };
  }
}

/**
 * Answers a refused initialize: 503 with `Retry-After` (the server is full for now, not the request
 * wrong) and the library's -32029 limit error naming the cap.
 * @internal
 */
export function refuseSession(res: ServerResponse, refusal: SessionCapRefusal): void {
  const message =
    refusal.limit === 'maxSessions'
      ? `Too many sessions on this server (maxSessions ${refusal.max}); try again later`
      : `Too many sessions for this principal (maxSessionsPerPrincipal ${refusal.max}); close one first`;
  refuse(res, 503, LIMIT_EXCEEDED, message, { 'retry-after': String(RETRY_AFTER_S) }, refusal);
}
