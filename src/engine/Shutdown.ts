import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';

/**
 * A TaskEngine's shutdown: whether `close` began and with what reason, and the creates (and other
 * operations that start a task) still on their way to the store. `close` waits for those: a task one of them stores after `close` began
 * gets no actor (the supervisor takes none once closing) and ends at once, failed with the close's
 * reason (TaskEngine.run). Before, such a task stayed `working` in the store with nothing running it.
 * @internal
 */
export class Shutdown {
  /** `close` began. */
  began = false;
  /** The reason `close` was given: a task stored after it began ends with it too. */
  reason = '';
  private creates = 0;
  private drained: (() => void) | undefined;
  private readonly closing = new AbortController();

  /** Aborts when `close` begins, with its reason (an McpError -32603): what outlives no task stops with it. */
  get signal(): AbortSignal {
    return this.closing.signal;
  }

  /** Throws once `close` began: a task asked for then stores nothing. */
  refuseIfBegun(): void {
    if (this.began) throw mcpError(ErrorCode.InternalError, 'Server is shutting down; no new tasks');
  }

  /** A create begins writing its task; {@link leave} must follow once it is done, either way. */
  enter(): void {
    this.creates++;
  }

  leave(): void {
    if (--this.creates === 0) this.drained?.();
  }

  /**
   * Runs an operation that stores a task or starts one (a worker taking a job, an instance adopting
   * an orphan), counted like a create: `close` waits for it, and a task it starts once `close`
   * began ends at once.
   */
  async inFlight<T>(operation: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await operation();
    } finally {
      this.leave();
    }
  }

  /** Begins the shutdown; resolves once no create is in flight. */
  begin(reason: string): Promise<void> {
    this.began = true;
    this.reason = reason;
    this.closing.abort(mcpError(ErrorCode.InternalError, reason));
    return this.creates === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.drained = resolve));
  }
}
