import type { Answer, TaskRecord } from '../types.js';

/** An instruction for the instance that runs a task's actor. */
export type ClusterCommand =
  | { type: 'cancel'; reason: string }
  /** To a worker pool's front: the stored status of a task it created changed on a worker. */
  | { type: 'status'; record: TaskRecord }
  | {
      type: 'answer';
      requestId: string;
      answer: Answer;
    };

/** What a cluster reports to the engine of its instance. */
export interface ClusterHandlers {
  /** A command for a task this instance runs. */
  command(taskId: string, command: ClusterCommand): void;
  /** This instance took over a task whose runner stopped renewing its lease. */
  orphaned(taskId: string): void;
  /** Another instance took over a task this instance was running (its lease ran out). */
  lost(taskId: string): void;
}

/**
 * How several server instances share tasks: who runs which task actor (a renewed lease per task),
 * commands to that runner (cancel, input answers), and takeover of tasks whose runner died.
 * Without a cluster, one process is the whole world.
 */
export interface TaskCluster {
  /** This instance's id; also the fencing token its store writes carry. */
  readonly instanceId: string;
  /** Starts listening for commands and sweeping for orphaned tasks. */
  start(handlers: ClusterHandlers): Promise<void>;
  /**
   * Takes the lease of a task this instance starts running. With `lease: false` (a worker pool's
   * job) it only records this instance as the runner, valid `until` (ms since epoch): writes are
   * fenced and commands routed as with a lease, but nothing renews it and no sweep takes it over.
   */
  claim(taskId: string, options?: { lease: false; until: number }): Promise<void>;
  /** Gives the lease up: the task is terminal or gone. */
  release(taskId: string): Promise<void>;
  /**
   * Stops renewing a lease this instance took over but could not act on (the store was away while
   * it adopted the task): the lease lapses and a later sweep, of any instance, takes the task over
   * again. Absent: nothing retries the adoption.
   */
  relinquish?(taskId: string): void;
  /** Delivers a command to one instance by id (a worker pool's status reports to the front); best effort. */
  tell?(instanceId: string, taskId: string, command: ClusterCommand): Promise<void>;
  /** Delivers a command to the instance running the task; false when no instance runs it. */
  send(taskId: string, command: ClusterCommand): Promise<boolean>;
  /** Stops timers and subscriptions (leases are not released: survivors take over). */
  close(): Promise<void>;
}
