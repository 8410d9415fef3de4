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
 * The engine's bookkeeping of one running task, kept small: 100,000 of them may be alive at once
 *.
 * `ended` is made only when something waits for it (a cancel, `close`); most tasks never need it.
 */
export class LiveTask {
  writes: Promise<void> = SETTLED;
  readonly inputs = new Map<string, PendingInput>();
  /** Open `tasks/result` calls for this task. */
  attached = 0;
  /** Whether the drop of a queued notification was logged already (once per task). */
  droppedWarned = false;
  private finished = false;
  private endedPromise: Promise<void> | undefined;
  private resolveEnded: (() => void) | undefined;

  constructor(
    readonly spec: TaskSpec,
    /** Gives the task's slot under the live-task limits back. */
    private readonly release?: () => void,
  ) {}

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
