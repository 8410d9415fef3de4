import type { TaskSupport } from '../../src/index.js';

/**
 * `tasks/result` calls the engine counts as open for a task. Read from the engine on purpose: no
 * public API tells, and whether one waits decides if the task's end is notified (TaskActions.settle).
 */
export function resultsAttached(tasks: TaskSupport, taskId: string): number {
  const engine = (tasks as unknown as { engine: { live: Map<string, { attached: number }> } }).engine;
  return engine.live.get(taskId)?.attached ?? 0;
}
