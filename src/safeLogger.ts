/** What the library logs through: `warn` and `error`, as on `console` (some parts only `error`). */
type Logger = Pick<Console, 'warn' | 'error'>;

/**
 * `logger`, with each call's own failure swallowed. The library logs on failure paths, often in a
 * rejection handler or a timer nothing else awaits: a logger that throws there (its sink down)
 * became an unhandled rejection or an uncaught exception, either of which ends a Node process,
 * and left the request it was reporting on unanswered. There is nowhere left to report the
 * logger's own failure, so it is dropped. Made once where a logger comes in (TaskSupport, the
 * worker pool, McpHttpHost), so no call site needs a guard of its own.
 * @internal
 */
export function safeLogger(logger: Logger): Logger;
export function safeLogger(logger: Pick<Console, 'error'>): Pick<Console, 'error'>;
export function safeLogger(logger: Partial<Logger>): Partial<Logger> {
  const safe: Partial<Logger> = {};
  for (const level of ['warn', 'error'] as const) {
    const log = logger[level];
    if (typeof log !== 'function') continue;
    safe[level] = (...args: unknown[]) => {
      try {
        log.apply(logger, args);
      } catch {
        // The sink is down; see above.
      }
    };
  }
  return safe;
}
