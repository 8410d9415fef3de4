/** What the library logs through: `warn` and `error`, as on `console`. */
type Logger = Pick<Console, 'warn' | 'error'>;

/**
 * `logger`, with each call's own failure swallowed. The library logs on failure paths, often in a
 * rejection handler or a timer nothing else awaits: a logger that throws there (its sink down)
 * became an unhandled rejection or an uncaught exception, either of which ends a Node process,
 * and left the request it was reporting on unanswered. There is nowhere left to report the
 * logger's own failure, so it is dropped.
 * @internal
 */
export function safeLogger(logger: Logger): Logger {
  return {
    warn: (...args: unknown[]) => {
      try {
        logger.warn(...args);
      } catch {
        // The sink is down; see above.
      }
    },
    error: (...args: unknown[]) => {
      try {
        logger.error(...args);
      } catch {
        // The sink is down; see above.
      }
    },
  };
}
