import type { TaskOutcome, TaskPage, TaskRecord, TerminalTaskStatus } from '../types.js';

/**
 * Where task records and results live. The live task actor decides; the store remembers, so a
 * finished task costs only its record and result.
 *
 * Implementations must make `settle` atomic: a terminal status never changes, whoever tries.
 */
export interface TaskRecordStore {
  /** Stores a new task record. */
  create(record: TaskRecord): Promise<void>;
  /** The record, or undefined when unknown or deleted. */
  get(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Sets a non-terminal status and message; returns the new record, or undefined if the task is
   * gone, terminal, or (when `runner` is given) run by another instance.
   *
   * One instance calls this for a task in the order the task's status changed, but a call that
   * missed `storeTimeout` counts as failed while it may still run: the call is made again and later
   * writes follow. A store whose calls can land out of order (several connections, a client that
   * sends a command again after a reconnect) should refuse an update older than the last one it
   * stored for the task, e.g. by numbering its own calls as `RedisTaskStore` does; undefined is
   * then the answer.
   */
  update(taskId: string, status: 'working' | 'input_required', statusMessage?: string, runner?: string): Promise<TaskRecord | undefined>;
  /**
   * Moves the task to a terminal status with its outcome, atomically; undefined if it was gone,
   * already terminal, or (when `runner` is given) run by another instance.
   */
  settle(
    taskId: string,
    status: TerminalTaskStatus,
    statusMessage: string | undefined,
    outcome: TaskOutcome,
    runner?: string,
  ): Promise<TaskRecord | undefined>;
  /** The outcome of a terminal task. */
  getOutcome(taskId: string): Promise<TaskOutcome | undefined>;
  /** A page of the owner's tasks, oldest first. Throws `InvalidCursorError` for a cursor it did not issue. */
  list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage>;
  /** Forgets the task (ttl ran out). */
  delete(taskId: string): Promise<void>;
  /**
   * Resolves once the task is terminal or gone (at once if it already is), or when `signal` aborts.
   * With `listenOnly`, the caller reads the record itself after arming the wait, so the store may
   * skip its own first look (a round trip on a remote store) and only listen for the change.
   */
  waitForTerminal(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void>;
  /**
   * Optional, for stores that count live tasks across instances (the Redis backend's
   * `liveTaskLimits`): gives back the slot of a task that ended, idempotently. A worker pool's front
   * calls it when it hears the end of a task it dispatched: the settle's own release is the
   * settling worker's, which may die right after the settle, or count nothing (no limits there).
   */
  releaseSlot?(taskId: string): Promise<void>;
}

/**
 * A terminal task as a store holds it in this process: its record and its outcome, read without
 * I/O and not copied (read only; TaskEngineOptions `peekEnded`).
 * @internal
 */
export interface EndedTask {
  readonly record: Readonly<TaskRecord>;
  readonly outcome: TaskOutcome;
}

/** A store's synchronous read of a terminal task: undefined when it cannot tell without I/O. @internal */
export type PeekEnded = (taskId: string) => EndedTask | undefined;

/** Options of the backends' waits (`waitForTerminal`, `waitForMessage`). */
export interface WaitOptions {
  /**
   * The caller looks at the state itself after arming the wait (and loops on a spurious wake), so
   * the wait need not look first: it may resolve only on a change made after it was armed.
   */
  listenOnly?: boolean;
}

/**
 * @deprecated Renamed {@link TaskRecordStore} (0.2): the SDK's experimental tasks export a
 * `TaskStore` with another interface. This alias goes in the next minor release.
 */
export type TaskStore = TaskRecordStore;

/** Thrown by `TaskRecordStore.list` for a cursor that it did not hand out. */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`Invalid cursor: ${JSON.stringify(cursor).slice(0, 80)}`);
    this.name = 'InvalidCursorError';
  }
}
