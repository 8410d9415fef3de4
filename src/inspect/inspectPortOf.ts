/** The port `inspect: true` starts the Stately relay on when `inspectPort` is left out (Stately's own). */
const DEFAULT_INSPECT_PORT = 8080;

/**
 * TaskSupport's `inspectPort`, 8080 when left out, checked at construction: a whole number from 0
 * (any free port) to 65535. Anything else used to reach `listen` only once the relay started, after
 * the constructor returned, and ended up as a warning with inspection off, where the application
 * asked for it; `'8080'`, a string, was even taken as a port by `listen`.
 * @throws RangeError naming the option.
 * @internal
 */
export function inspectPortOf(port: number | undefined): number {
  if (port === undefined) return DEFAULT_INSPECT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `inspectPort must be a whole number from 0 to 65535 (0 picks a free port), got ${typeof port === 'string' ? JSON.stringify(port) : String(port)}`,
    );
  }
  return port;
}
