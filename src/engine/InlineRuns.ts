import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { McpError } from '../wire.js';
import type { CallSettled } from './CallSettled.js';

/**
 * The inline runs in flight (an `optional` tool called without `task`, answered on its own call),
 * so that `TaskSupport.close` can end them as it ends tasks: each run's work sees its `signal` abort
 * with the shutdown error (-32603), and its call is answered with that error at once, while its
 * stream is still open. Before, nothing ended an inline run: the host's close then closed the
 * stream with the call unanswered, and the client waited out its request timeout (60 s on SDK v1).
 * A work that ignores its signal holds nothing: as with a task's, its late end is read by no one.
 *
 * A run costs one entry here, a function, until it settles: no race against a promise of the
 * shutdown, and no listener on a signal every run shares (Node finds a listener to add or remove by
 * walking them all, and warns past ten). {@link shutdown} is such a promise, with a listener on its
 * caller's own `until`, for the one wait that needs a race.
 * @internal
 */
export class InlineRuns {
  /** What each run in flight does at close. */
  private readonly stops = new Set<() => void>();
  private closing = false;

  /**
   * Runs `body` (an inline call of `tool`, whose end is `call`: CallSettled.ts) until it settles, or
   * until {@link close} ends `call` and rejects with the shutdown error. Once close began, rejects
   * at once: no work starts then, as no task does.
   */
  run<T>(tool: string, call: CallSettled | undefined, body: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(shutDown(tool));
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => {
        const error = shutDown(tool);
        // The work's signal aborts first, then the call is answered.
        call?.shutDown(error);
        reject(error);
      };
      // Settled: out of `stops`, or close() would end (and abort the signal of) a call already answered.
      const end = (settle: () => void): void => {
        this.stops.delete(stop);
        settle();
      };
      this.stops.add(stop);
      try {
        body().then(
          (value) => end(() => resolve(value)),
          (error: unknown) => end(() => reject(error)),
        );
      } catch (error) {
        // Thrown before it returned a promise (run is generic: not every body is an async function).
        end(() => reject(error));
      }
    });
  }

  /**
   * Rejects with the shutdown error once {@link close} begins (at once if it has), until `until`
   * aborts, which removes it: one branch of a race that `until` ends (the extension's wait of an
   * `optional` call answered inline before it is promoted). Never settles otherwise.
   */
  shutdown(tool: string, until: AbortSignal): Promise<never> {
    if (this.closing) return Promise.reject(shutDown(tool));
    return new Promise<never>((_, reject) => {
      if (until.aborted) return;
      const stop = (): void => reject(shutDown(tool));
      this.stops.add(stop);
      until.addEventListener('abort', () => this.stops.delete(stop), { once: true });
    });
  }

  /**
   * Ends every run in flight and refuses new ones. Resolves after a turn of the event loop: the
   * calls' answers are handed to their transports in the microtasks after the rejection, so a
   * transport closed once this resolves has sent them (unless its send waits for I/O itself, as an
   * event store's does).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stops = [...this.stops];
    this.stops.clear();
    for (const stop of stops) stop();
    if (stops.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The answer to an inline call the shutdown ended: -32603, as a task the shutdown ends (Shutdown.ts). */
function shutDown(tool: string): McpError {
  return mcpError(ErrorCode.InternalError, `Server is shutting down: the call of tool ${tool} was stopped before it finished`);
}
