import type { TaskRecord } from '../types.js';

/** Listeners of each task's status records (`engine.watch`), told by the engine at every status it reports. */
export class TaskWatchers {
  private readonly byTask = new Map<string, Set<(record: TaskRecord) => void>>();

  /** Adds `listener` for `taskId`; returns the unsubscribe (the task's entry goes with its last listener). */
  add(taskId: string, listener: (record: TaskRecord) => void): () => void {
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
}
