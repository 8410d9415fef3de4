import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskMachineEvent } from '../../machines/task.js';
import type { LiveTask } from './LiveTask.js';
import { doneEvent, settledError } from './outcomes.js';
import { polled, taskPort } from './TaskPort.js';
import type { TaskPortDeps } from './TaskPort.js';
import { workContext } from './workContext.js';
import { promised } from './promised.js';

/**
 * Runs each task's work and hands its end to the task's actor as `work.done` / `work.error`,
 * unless the task ended first (cancel, expiry, shutdown, crash).
 * @internal
 */
export class WorkRunner {
  constructor(
    private readonly live: ReadonlyMap<string, LiveTask>,
    private readonly portDeps: TaskPortDeps,
    private readonly send: (taskId: string, event: TaskMachineEvent) => void,
  ) {}

  /** Begins the task's work (its actor is running). */
  start(taskId: string, live: LiveTask): void {
    // The one `then` per task: the spec's `settle` (a tool's safeguards and output check) and the
    // result's parse run in it, not in `then`s of their own (each cost a promise, a reaction and
    // two closures per waiting task).
    // A work that ends after its task did (cancelled, expired, shut down) is not settled at all:
    // nobody reads that outcome, so the tool's safeguards (its `mapError`, the size and output
    // checks) do not run for it either.
    this.run(taskId, live).then(
      (result) => this.waited(live) && this.ended(taskId, live, doneEvent(live.spec.settle, result, taskId)),
      (error: unknown) =>
        this.waited(live) && this.ended(taskId, live, { type: 'work.error', error: settledError(live.spec.settle, error, taskId) }),
    );
  }

  /** The task's own session asked about it: what its work asked may go out on that session's stream now. */
  polled(taskId: string, live: LiveTask): void {
    void polled(this.portDeps, taskId, live);
  }

  /** Not async: a suspended call per waiting task cost about 0.5 KB (issue 14). */
  private run(taskId: string, live: LiveTask): Promise<CallToolResult> {
    return promised(() => live.takeRun()(workContext(taskPort(this.portDeps, taskId, live))));
  }

  /** Whether the task still waits for its work's end (it did not end first). */
  private waited(live: LiveTask): boolean {
    return !live.workAborted && !live.workSettled;
  }

  /** The work returned or threw while its task waited: its actor decides. */
  private ended(taskId: string, live: LiveTask, event: TaskMachineEvent): void {
    live.workSettled = true;
    if (this.live.get(taskId) === live) this.send(taskId, event);
  }
}
