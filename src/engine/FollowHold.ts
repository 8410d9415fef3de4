import type { PendingInput } from './PendingInputs.js';

/**
 * Keeps a server task `input_required` while a client task is followed for it, and stops the
 * follow when the task ends: on the work's signal (cancel, expiry, shutdown) with its reason, and
 * on the task's end after its work returned (the hold abandoned), which aborts no work signal. A
 * work may drop its ask and return; the follow then polled the client's task until that ended,
 * for an answer nobody could take, under a task actor already stopped.
 * @internal
 */
export class FollowHold implements PendingInput {
  readonly stop = new AbortController();
  private readonly onAbort = (): void => this.stop.abort(this.signal.reason);

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The follow ended: the work's signal (which lives as long as the task) lets go of it. */
  done(): void {
    this.signal.removeEventListener('abort', this.onAbort);
  }

  resolve(): void {}

  /** The task ended, or an error answered the hold's id: the follow ends with it, synchronously (the task actor ends next). */
  reject(error: unknown): void {
    this.stop.abort(error);
  }

  abandon(error: unknown): void {
    this.stop.abort(error);
  }

  parse(result: unknown): unknown {
    return result;
  }
}
