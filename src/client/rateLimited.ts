/**
 * JSON-RPC error code of a server's refused request when a limit is hit (this library's servers:
 * `LIMIT_EXCEEDED`, with `data.retryAfterMs` for the rate limits). Repeated here, not imported from
 * src/errors.ts, which would pull server code into the client subpath.
 */
const LIMIT_EXCEEDED = -32029;

/** The longest wait taken from a server's `retryAfterMs`: a larger one is asked again after this. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait (ms) a rate-limit refusal asks for: -32029 with a finite `data.retryAfterMs` (at least
 * 1 ms, at most a minute); undefined for any other error, a limit that names no retry time
 * (`maxLiveTasksPerCaller`, …) included. Read by shape, so it works on SDK v1's `McpError` and SDK
 * v2's error alike.
 * @internal
 */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, data } = error as { code?: unknown; data?: unknown };
  if (code !== LIMIT_EXCEEDED || typeof data !== 'object' || data === null) return undefined;
  const ms = (data as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(Math.max(ms, 1), MAX_RETRY_AFTER_MS);
}
