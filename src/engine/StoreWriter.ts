import { McpError } from '../wire.js';
import { SETTLED } from './LiveTask.js';
import type { LiveTask } from './LiveTask.js';

/** Longest pause between two tries of a store write (see `retrying`). */
const MAX_RETRY_DELAY_MS = 500;

/** How long a failing write is retried before it is given up and logged. */
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Ordered store writes per task: each task's writes run one after another in the order its actor
 * decided them, and a store that is briefly away (Redis restarting) does not lose a task's outcome.
 */
export class StoreWriter {
  constructor(
    private readonly logger: Pick<Console, 'error'>,
    /** Once the engine closes, a failing write is logged at once instead of retried. */
    private readonly closing: () => boolean,
  ) {}

  /**
   * Chains `step` after the task's previous writes. `after`, if given, runs once this write and any
   * chained after it are done: in the same turn as the last of them, where a `then` on the task's
   * writes ran a turn later and cost a promise (a settle's retire, on every task's end; issue 14).
   */
  write(taskId: string, live: LiveTask, step: () => Promise<void>, after?: () => void): void {
    const done = (): void => {
      // The last write done: the task holds the shared settled promise again, not this one
      // (48 bytes per live task that ever wrote, e.g. each waiting for input; issue 14).
      if (live.writes === written) {
        live.writes = SETTLED;
        after?.();
      } else if (after) void live.writes.then(after);
    };
    // A write that succeeds first time costs one `then`, no async call around it (issue 14).
    const run = (): Promise<void> => {
      const started = Date.now();
      return firstTry(step).then(done, (error: unknown) => this.retried(taskId, step, 'storing task', started, error).then(done));
    };
    // No write of the task in flight: the step starts now. A `then` on the settled chain only put it
    // a microtask later, and resolving that `then` with the step's promise cost two more (issue 14).
    const written: Promise<void> = live.writes === SETTLED ? run() : live.writes.then(run);
    live.writes = written;
  }

  /**
   * Runs `step`, trying a failed one again with backoff for up to a minute before it is given up
   * and logged. Never rejects: this runs from timers and write chains, where a rejection would end the process.
   */
  async retrying(taskId: string, step: () => Promise<void>, what = 'storing task'): Promise<void> {
    const started = Date.now();
    try {
      return await step();
    } catch (error) {
      return this.retried(taskId, step, what, started, error);
    }
  }

  /** After `step` failed with `error`: tries it again with backoff until it succeeds or is given up (see `retrying`). */
  private async retried(taskId: string, step: () => Promise<void>, what: string, started: number, error: unknown): Promise<void> {
    // Capped at 500 ms, so a write lands within about a second of Redis coming back (issue 12: a
    // 2 s cap plus the reconnect left a status stale for over 2 s after an outage; test/redis/outage.test.ts checks it).
    for (let delay = 50; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      if (Date.now() - started > GIVE_UP_AFTER_MS || this.closing()) {
        // A JSON-RPC error is made for a reader (the store guard's "unavailable" one, whose cause
        // it logged once per call): its stack says nothing, and an outage at shutdown printed one
        // per task. One line then.
        if (error instanceof McpError) this.logger.error(`mcp-task-actors: ${what} ${taskId} failed: ${error.message}`);
        else this.logger.error(`mcp-task-actors: ${what} ${taskId} failed`, error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        return await step();
      } catch (next) {
        error = next;
      }
    }
  }
}

/** `step()`, a synchronous throw as a rejection: the first try runs inside a task actor's action, which must not throw. */
function firstTry(step: () => Promise<void>): Promise<void> {
  try {
    return step();
  } catch (error) {
    return Promise.reject(error);
  }
}
