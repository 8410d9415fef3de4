import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskMachineEvent } from '../../machines/task.js';
import type { LiveTask } from './LiveTask.js';
import { doneEvent, settledError } from './outcomes.js';
import { taskPort } from './TaskPort.js';
import type { TaskPortDeps } from './TaskPort.js';
import { workContext } from './workContext.js';

/**
 * Runs each task's work and hands its end to the task's actor as `work.done` / `work.error`.
 *
 * The work begins on the tick after its task was spawned: after the microtasks that hand the
 * creating call's CreateTaskResult to the transport. Begun inline, an instant work's `completed`
 * status reached the client before the CreateTaskResult that names the task, and a work's long
 * synchronous start held the handle back.
 * @internal
 */
export class WorkRunner {
  constructor(
    private readonly live: ReadonlyMap<string, LiveTask>,
    private readonly portDeps: TaskPortDeps,
    private readonly send: (taskId: string, event: TaskMachineEvent) => void,
  ) {}

  /** Begins the task's work on the next tick (arguments, not a closure per task). */
  schedule(taskId: string, live: LiveTask): void {
    process.nextTick(begin, this, taskId, live);
  }

  /** @internal */
  begin(taskId: string, live: LiveTask): void {
    // Ended before its work began (a cancel, the ttl, shutdown): the work never runs.
    if (live.workAborted || this.live.get(taskId) !== live) return;
    // The one `then` per task: the spec's `settle` (a tool's safeguards and output check) and the
    // result's parse run in it, not in `then`s of their own (each cost a promise, a reaction and
    // two closures per waiting task).
    this.run(taskId, live).then(
      (result) => this.ended(taskId, live, doneEvent(live.spec.settle, result, taskId)),
      (error: unknown) => this.ended(taskId, live, { type: 'work.error', error: settledError(live.spec.settle, error, taskId) }),
    );
  }

  /** Not async: a suspended call per waiting task cost about 0.5 KB (issue 14). */
  private run(taskId: string, live: LiveTask): Promise<CallToolResult> {
    try {
      const run = live.takeRun();
      return Promise.resolve(run(workContext(taskPort(this.portDeps, taskId, live))));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The work returned or threw: its actor decides, unless the task ended first (cancel, expiry, shutdown, crash). */
  private ended(taskId: string, live: LiveTask, event: TaskMachineEvent): void {
    if (live.workAborted || live.workSettled) return;
    live.workSettled = true;
    if (this.live.get(taskId) === live) this.send(taskId, event);
  }
}

function begin(runner: WorkRunner, taskId: string, live: LiveTask): void {
  runner.begin(taskId, live);
}
