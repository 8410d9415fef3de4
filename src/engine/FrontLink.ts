import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskPlacement } from '../backends/TaskPlacement.js';
import type { TaskRecordStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskRecord } from '../types.js';
import { ErrorCode } from '../wire.js';
import { jobOf } from './WorkerLink.js';
import type { TaskSession, TaskSpec } from './TaskSpec.js';
import { merged } from '../merged.js';
import { MAX_TIMER_MS } from '../timerBounds.js';
import { nextBackoff } from '../backoff.js';

/**
 * The front's side of a worker pool: hands each new task to the pool and keeps the session of
 * the client that created it, so the status changes a worker reports (a `status` command on
 * this instance's cluster channel) reach that client as they would in process. A session is
 * dropped once its task ended or its ttl ran out.
 */
export class FrontLink {
  private readonly sessions = new Map<string, { session: TaskSession; timer: ReturnType<typeof setTimeout> }>();
  /** Timers of settles retried after a failed dispatch (the store was away too). */
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    private readonly store: TaskRecordStore,
    private readonly placement: TaskPlacement,
    private readonly cluster: TaskCluster,
    /** Watchers of the task on this instance (e.g. `subscriptions/listen`). */
    private readonly changed: (record: TaskRecord) => void,
    private readonly logger: Pick<Console, 'warn' | 'error'>,
  ) {}

  /**
   * Hands a stored task to the pool; the job names this instance as the one to report to. When the
   * pool refuses the job, the task is settled `failed` before the error is rethrown.
   */
  async dispatch(record: TaskRecord, spec: TaskSpec): Promise<void> {
    // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): a longer ttl keeps the session that long.
    const timer = setTimeout(() => this.expired(record.taskId), Math.min(record.ttl, MAX_TIMER_MS));
    timer.unref?.();
    this.sessions.set(record.taskId, { session: spec.session, timer });
    try {
      await this.placement.dispatch(merged(jobOf(record, spec), { front: this.cluster.instanceId }));
    } catch (error) {
      this.drop(record.taskId);
      await this.failUndispatched(record, error);
      throw error;
    }
  }

  /** A worker (or this front's own cancel) changed the stored status of a task created here. */
  status(record: TaskRecord): void {
    this.changed(record);
    const entry = this.sessions.get(record.taskId);
    if (!entry) return;
    if (isTerminal(record.status)) this.drop(record.taskId);
    entry.session
      .statusChanged(record)
      .catch((error: unknown) => this.logger.warn(`mcp-task-actors: status of task ${record.taskId} not sent: ${String(error)}`));
  }

  /** A cancel settled a task no actor here runs: drop its job if no worker took it yet. */
  async cancelled(taskId: string, record: TaskRecord | undefined, runnerTold: boolean | undefined): Promise<void> {
    if (record) this.status(record);
    if (runnerTold === false) await this.placement.withdraw(taskId);
  }

  close(): void {
    this.closed = true;
    for (const taskId of [...this.sessions.keys()]) this.drop(taskId);
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  /**
   * The record is stored but no job runs it: left alone it would stay `working` ("Waiting for a
   * worker") until its ttl. A job that did reach the queue (its answer lost) then finds the task over.
   */
  private async failUndispatched(record: TaskRecord, cause: unknown): Promise<void> {
    const { taskId } = record;
    const message = `The task could not be handed to the worker pool: ${cause instanceof Error ? cause.message : String(cause)}`;
    const outcome = { type: 'error' as const, error: { code: ErrorCode.InternalError, message, data: { taskId } } };
    const until = Date.parse(record.createdAt) + record.ttl;
    // The dispatch's error is what the caller gets. A store away too (Redis is down for both) is
    // retried in the background until the task's ttl or this front's close: else the task would
    // stay `working` with no job once Redis is back.
    const settle = async (previous: number): Promise<void> => {
      try {
        await this.store.settle(taskId, 'failed', message, outcome);
      } catch (error) {
        if (previous === 0) this.logger.error(`mcp-task-actors: task ${taskId} not settled after a failed dispatch; retrying`, error);
        const delay = nextBackoff(previous, 100, 5_000);
        if (this.closed || Date.now() + delay > until) return;
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          void settle(delay);
        }, delay);
        timer.unref?.();
        this.retries.add(timer);
      }
    };
    await settle(0);
  }

  /**
   * The task's ttl ran out with no end reported here: its record is gone (the store expires it), and
   * a job no worker took (no worker serves its tool) would wait in its queue for good. Withdrawn; a
   * job a worker runs is left to it (it finds its task gone at its next write).
   */
  private expired(taskId: string): void {
    this.sessions.delete(taskId);
    this.placement
      .withdraw(taskId)
      .catch((error: unknown) => this.logger.warn(`mcp-task-actors: job of expired task ${taskId} not withdrawn: ${String(error)}`));
  }

  private drop(taskId: string): void {
    const entry = this.sessions.get(taskId);
    if (entry) clearTimeout(entry.timer);
    this.sessions.delete(taskId);
  }
}
