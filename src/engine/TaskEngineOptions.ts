import type { InspectionEvent, Observer } from 'xstate';
import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskPlacement } from '../backends/TaskPlacement.js';
import type { PeekEnded } from '../backends/TaskStore.js';
import type { TaskSpec } from './TaskSpec.js';

/** Engine limits and hooks. */
export interface TaskEngineOptions {
  defaultTtl: number;
  maxTtl: number;
  /** Smallest ttl granted (ms); smaller requests, `0` included, are raised to it. Default 0. */
  minTtl?: number;
  /** Notifications queued per task for `tasks/result`; beyond, the queue drops the oldest. Default: no cap. */
  maxQueuedNotifications?: number;
  pollInterval: number;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  logger: Pick<Console, 'warn' | 'error'>;
  /** Longest a `tasks/cancel` waits for its end to be stored before it answers -32603 (ms). Default: no bound. */
  storeTimeout?: number;
  /** Shares tasks between server instances (leases, commands to the runner, takeover). */
  cluster?: TaskCluster;
  /** The work of a restartable tool, to run an orphaned task again; undefined fails the task instead. */
  restartWork?: (tool: string, args: unknown) => TaskSpec['run'] | undefined;
  /** Admits a new task of `owner` (throws when a limit is hit), taking one of its live-task slots. */
  admit: (owner: string) => void;
  /**
   * Counts a rerun of an orphaned task of `owner` toward the live-task limits, never refusing it:
   * the task exists already, and a refusal would lose it. `release` gives its slot back.
   */
  adopt?: (owner: string) => void;
  /** Gives back the slot `admit` (or `adopt`) took, once per task, when it ends. */
  release: (owner: string) => void;
  /** Runs task work on a worker pool (needs `cluster`): a front dispatches, a worker runs jobs. */
  placement?: TaskPlacement;
  /** The work of any registered task tool, for a worker pool's jobs. */
  jobWork?: (tool: string, args: unknown) => TaskSpec['run'] | undefined;
  /**
   * A terminal task's record and outcome read from the store without I/O, undefined when it cannot
   * tell: a `tasks/result` for a task that ended here is then answered in the turn it arrived.
   * Given only for a store this library made (backends/ownStores.ts): any other store is read
   * through its own methods, whatever its class.
   */
  peekEnded?: PeekEnded | undefined;
}
