import type { TaskSpec } from './TaskSpec.js';

/** A work's `ask` waiting for the client's answer. */
export interface PendingInput {
  resolve(result: unknown): void;
  reject(error: unknown): void;
  parse(result: unknown): unknown;
}

/** An already settled promise: the first link of every task's write chain. */
export const SETTLED: Promise<void> = Promise.resolve();

/**
 * The engine's bookkeeping of one running task, kept small: 100,000 of them may be alive at once.
 * `ended` is made only when something waits for it (a cancel, `close`); most tasks never need it.
 * The work's `signal` is made only when the work reads it (many works never do); aborted before
 * that, it is made already aborted. The map of pending asks is made on the first ask.
 */
export class LiveTask {
  writes: Promise<void> = SETTLED;
  /** Open `tasks/result` calls for this task. */
  attached = 0;
  /** Whether the drop of a queued notification was logged already (once per task). */
  droppedWarned = false;
  /** The work returned or threw: an end of the task after that aborts nothing. */
  workSettled = false;
  /** The task ended before its work did: the work's signal is (or will be made) aborted. */
  workAborted = false;
  private finished = false;
  private controller: AbortController | undefined;
  private endedPromise: Promise<void> | undefined;
  private resolveEnded: (() => void) | undefined;
  private pendingInputs: Map<string, PendingInput> | undefined;

  constructor(
    readonly spec: TaskSpec,
    /** Gives the task's slot under the live-task limits back. */
    private readonly release?: () => void,
  ) {}

  /** The work's asks waiting for an answer, by request id; made on first use (most tasks never ask). */
  get inputs(): Map<string, PendingInput> {
    return (this.pendingInputs ??= new Map());
  }

  /** The ask waiting for `requestId`, if any (without making the map). */
  pendingInput(requestId: string): PendingInput | undefined {
    return this.pendingInputs?.get(requestId);
  }

  /** Whether any ask waits, without making the map. */
  get hasInputs(): boolean {
    return this.pendingInputs !== undefined && this.pendingInputs.size > 0;
  }

  /** Aborts on `tasks/cancel`, ttl expiry, shutdown and a crash of the task actor. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.workAborted) this.controller.abort(abortReason());
    }
    return this.controller.signal;
  }

  /** The task ended while its work still runs: abort the work's signal (a no-op once the work settled). */
  abortWork(): void {
    if (this.workSettled || this.workAborted) return;
    this.workAborted = true;
    this.controller?.abort(abortReason());
  }

  /** Resolves once the task's last write is stored and its bookkeeping is gone. */
  get ended(): Promise<void> {
    if (this.finished) return SETTLED;
    this.endedPromise ??= new Promise<void>((resolve) => (this.resolveEnded = resolve));
    return this.endedPromise;
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.release?.();
    this.resolveEnded?.();
  }
}

/**
 * Node's default abort reason (an `AbortError` DOMException), minus the stack trace: `abort()`
 * with no reason builds one with a captured stack on every cancel, which would only point here.
 */
function abortReason(): DOMException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DOMException('This operation was aborted', 'AbortError');
  } finally {
    Error.stackTraceLimit = limit;
  }
}
