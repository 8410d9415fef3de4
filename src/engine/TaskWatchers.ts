import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { TaskMachine } from '../../machines/task.js';
import type { TaskRecord } from '../types.js';

/**
 * What a watcher of a task is told: the record of a stored status change, or undefined when the
 * task's waiting input requests changed without one (see {@link TaskWatchers.inputsChanged}): read it again.
 */
export type TaskWatcher = (record: TaskRecord | undefined) => void;

/** Listeners of each task's status records (`engine.watch`), told by the engine at every status it reports. */
export class TaskWatchers {
  private readonly byTask = new Map<string, Set<TaskWatcher>>();

  /** Adds `listener` for `taskId`; returns the unsubscribe (the task's entry goes with its last listener). */
  add(taskId: string, listener: TaskWatcher): () => void {
    let set = this.byTask.get(taskId);
    if (!set) this.byTask.set(taskId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byTask.get(taskId) === set) this.byTask.delete(taskId);
    };
  }

  /** Tells every listener of the record's task. */
  tell(record: TaskRecord): void {
    // Most tasks have no watcher: no empty array and iterator made for them at every status.
    const watchers = this.byTask.get(record.taskId);
    if (watchers) for (const watcher of watchers) watcher(record);
  }

  /**
   * Tells every listener of the task that its waiting input requests changed while its status did
   * not (a second ask while `input_required`, or an answer that leaves others waiting): the task
   * machine only remembers those, nothing is stored, so no {@link tell} follows. Yet a DetailedTask
   * lists every outstanding request, and a client that waits for `notifications/tasks` would else
   * wait for an ask it never sees until the ttl. Called in the task's write order (TaskActions).
   */
  inputsChanged(taskId: string): void {
    const watchers = this.byTask.get(taskId);
    if (watchers) for (const watcher of watchers) watcher(undefined);
  }
}

/**
 * Whether an input event (`input.request`, `input.response`, `input.error`) just delivered to a
 * task's actor changed which requests it waits for while leaving it `input_required`: a second ask,
 * or an answer that leaves others waiting. A first ask or a last answer moves the status, whose
 * stored write tells the watchers already; an event the actor ignores (an answer to nothing it
 * waits for) leaves its context as it was. `before` is the actor's snapshot from just before the
 * event: actors take an event sent from outside their own transition at once, and a snapshot is a
 * field read, so this costs no store write and no subscription per task.
 * @internal
 */
export function stillWaiting(actor: ActorRefFrom<TaskMachine>, before: SnapshotFrom<TaskMachine>): boolean {
  if (before.context.waitingFor.length === 0) return false;
  const after = actor.getSnapshot();
  return after.context.waitingFor !== before.context.waitingFor && after.matches({ running: 'input_required' });
}
