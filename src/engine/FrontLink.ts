import type { TaskCluster } from '../backends/TaskCluster.js';
import type { LostJob, TaskPlacement } from '../backends/TaskPlacement.js';
import type { TaskRecordStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskRecord } from '../types.js';
import { ErrorCode } from '../wire.js';
import { jobOf } from './WorkerLink.js';
import { DispatchedSlots } from './DispatchedSlots.js';
import type { TaskSession, TaskSpec } from './TaskSpec.js';
import { merged } from '../merged.js';
import { MAX_TIMER_MS } from '../timerBounds.js';
import { nextBackoff, pause } from '../backoff.js';
import { withTimeout } from '../withTimeout.js';

/**
 * How long `close` keeps retrying the `failed` settles still pending (ms). Long enough for a Redis
 * that restarts around the shutdown (the task backend reconnects every 500 ms at most); short
 * enough that a close during an outage does not wait for Redis.
 */
const CLOSE_GRACE_MS = 1_000;
/** The pause between two tries of a pending settle while `close` waits for it. */
const CLOSE_RETRY_MS = 100;

/**
 * The placement's look-ups of jobs gone from their queue, when it has one and a finite period: of
 * this front's tasks (TaskPlacement `jobGone`), and of the pool's others (`lostJobs`).
 */
interface LostJobs {
  readonly lostJobCheckMs: number;
  jobGone(tool: string, taskId: string): Promise<boolean>;
  poolWide(): Promise<LostJob[]>;
}

function lostJobsOf(placement: TaskPlacement): LostJobs | undefined {
  const { lostJobCheckMs } = placement;
  if (lostJobCheckMs === undefined || !Number.isFinite(lostJobCheckMs)) return undefined;
  if (!placement.jobGone && !placement.lostJobs) return undefined;
  return {
    lostJobCheckMs,
    jobGone: async (tool, taskId) => (await placement.jobGone?.(tool, taskId)) ?? false,
    poolWide: async () => (await placement.lostJobs?.()) ?? [],
  };
}

/**
 * The front's side of a worker pool: hands each new task to the pool and keeps the session of
 * the client that created it, so the status changes a worker reports (a `status` command on
 * this instance's cluster channel) reach that client as they would in process. A session is
 * dropped once its task ended or its ttl ran out; so is the task's live-task slot (see DispatchedSlots).
 */
export class FrontLink {
  /**
   * `told`: the status last passed to the session (see {@link status}); `queued`: the job is in
   * its queue and no worker reported the task since (see {@link lookForLostJobs}).
   */
  private readonly sessions = new Map<
    string,
    { session: TaskSession; timer: ReturnType<typeof setTimeout>; told: string | undefined; tool: string; queued: boolean }
  >();
  /** The placement's look-up of jobs gone from their queue, when it has one. */
  private readonly lostJobs: LostJobs | undefined;
  /** Runs {@link lookForLostJobs} from the start: a front restarted has tasks of its earlier life to look at. */
  private lostJobTimer: ReturnType<typeof setInterval> | undefined;
  private looking = false;
  /** Settles retried after a failed dispatch (the store was away too), by task id: `close` waits for them. */
  private readonly pending = new Map<string, Promise<void>>();
  /** Aborts at `close`: a retry waiting out its backoff tries again at once. */
  private readonly closing = new AbortController();
  /** When `close` stops waiting for the pending settles. */
  private giveUpAt = Infinity;
  /** The live-task slots of the tasks dispatched here, held until each ends. */
  private readonly slots: DispatchedSlots;

  constructor(
    private readonly store: TaskRecordStore,
    private readonly placement: TaskPlacement,
    private readonly cluster: TaskCluster,
    /** Watchers of the task on this instance (e.g. `subscriptions/listen`). */
    private readonly changed: (record: TaskRecord) => void,
    private readonly logger: Pick<Console, 'warn' | 'error'>,
    /** Gives back a live-task slot of `owner` (TaskEngineOptions `release`). */
    release: (owner: string) => void,
  ) {
    this.slots = new DispatchedSlots(store, release);
    this.lostJobs = lostJobsOf(placement);
    if (this.lostJobs) {
      this.lostJobTimer = setInterval(() => void this.lookForLostJobs(), this.lostJobs.lostJobCheckMs);
      this.lostJobTimer.unref?.();
    }
  }

  /**
   * Before the task is stored: the pool notes its job (TaskPlacement `reserve`). Stored first, a task
   * whose front died before the job's add landed was `working` until its ttl, found by no one.
   * Never rejects: without the note the task is created as before, watched by this front alone.
   */
  async reserve(record: TaskRecord, spec: TaskSpec): Promise<void> {
    await this.placement
      .reserve?.(merged(jobOf(record, spec), { front: this.cluster.instanceId }))
      .catch((error: unknown) => this.logger.warn(`mcp-task-actors: job of task ${record.taskId} not reserved: ${String(error)}`));
  }

  /**
   * Hands a stored task to the pool; the job names this instance as the one to report to. When the
   * pool refuses the job, the task is settled `failed` before the error is rethrown. From here on the
   * task's live-task slot is this link's to give back, whether the dispatch succeeds or not.
   */
  async dispatch(record: TaskRecord, spec: TaskSpec): Promise<void> {
    // Held before the job exists: a worker may end the task before the add even answers.
    this.slots.hold(record.taskId, record.owner);
    // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): a longer ttl keeps the session that long.
    const timer = setTimeout(() => this.expired(record.taskId), Math.min(record.ttl, MAX_TIMER_MS));
    timer.unref?.();
    const entry = { session: spec.session, timer, told: undefined, tool: spec.tool ?? '', queued: false };
    this.sessions.set(record.taskId, entry);
    try {
      await this.placement.dispatch(merged(jobOf(record, spec), { front: this.cluster.instanceId }));
    } catch (error) {
      this.drop(record.taskId);
      await this.failUndispatched(record, error);
      throw error;
    }
    // A report may have come in during the add: the task is a worker's already.
    entry.queued = entry.told === undefined;
  }

  /**
   * An operator's `drain`, `obliterate` or job remove takes jobs out of their queue: no worker
   * will ever take them, and their tasks would stay `working` ("Waiting for a worker") until their
   * ttl, with each `tasks/result` waiting that long. Such a task, still unclaimed (no runner in its
   * record), is failed. A job a worker runs is left alone: its task ends as its work does. This
   * front looks at its own tasks; the pool (when it can) names those of the whole pool, above all
   * of a front that restarted or is gone (nothing else would look at them), and the jobs that
   * failed on a worker before their task ran; the front that created such a task is told of its end.
   */
  private async lookForLostJobs(): Promise<void> {
    const lostJobs = this.lostJobs;
    if (!lostJobs || this.looking) return;
    this.looking = true;
    try {
      for (const [taskId, entry] of [...this.sessions]) {
        // Closed meanwhile: the pool and the store are closing too, nothing is left to look at.
        if (this.closing.signal.aborted) return;
        if (!entry.queued || this.sessions.get(taskId) !== entry) continue;
        if (!(await lostJobs.jobGone(entry.tool, taskId).catch(() => false)) || this.closing.signal.aborted) continue;
        await this.failLost({ taskId, front: this.cluster.instanceId });
      }
      // This front's own tasks too: a job that failed on a worker is not gone from its queue.
      for (const job of await lostJobs.poolWide().catch(() => [])) {
        if (this.closing.signal.aborted) return;
        // Forgotten once judged: the record is the pool's, and this look will not come again.
        if ((await this.failLost(job)) && job.failed === undefined) await this.placement.withdraw(job.taskId).catch(() => {});
      }
    } finally {
      this.looking = false;
    }
  }

  /**
   * Fails a task whose job left its queue (or failed on a worker before the task ran), unless it
   * ended or a worker claimed it meanwhile, and tells the front that created it (when not this
   * one). Resolves whether the task was judged (false when the store did not answer: logged,
   * looked at again next time).
   */
  private async failLost({ taskId, front, failed, neverAdded }: LostJob): Promise<boolean> {
    try {
      const record = await this.store.get(taskId);
      // Never stored (its front stopped after the store admitted it to the shared live-task limits,
      // before the record was written): that slot would otherwise be held until the task's ttl.
      if (!record && neverAdded) await this.store.releaseSlot?.(taskId);
      // Ended meanwhile, or claimed by a worker (its job then is, or was, active: not ours to judge).
      if (!record || isTerminal(record.status) || record.runner !== undefined) return true;
      const message = neverAdded
        ? 'The server instance that created this task stopped before handing it to its worker pool'
        : failed === undefined
          ? 'The job of this task left its worker pool queue before a worker took it (removed, drained or obliterated)'
          : `The job of this task failed on a worker before the task ran: ${failed}`;
      const outcome = { type: 'error' as const, error: { code: ErrorCode.InternalError, message, data: { taskId } } };
      const settled = await this.store.settle(taskId, 'failed', message, outcome);
      if (!settled) return true;
      this.status(settled);
      // Its client's session is on that front (if it still lives), as a worker's reports go there.
      if (front !== undefined && front !== this.cluster.instanceId) {
        await this.cluster.tell?.(front, taskId, { type: 'status', record: settled }).catch(() => {});
      }
      return true;
    } catch (error) {
      this.logger.warn(`mcp-task-actors: task ${taskId}, whose job left its queue, not settled: ${String(error)}`);
      return false;
    }
  }

  /**
   * A worker (or this front's own cancel) changed the stored status of a task created here. The
   * same status again is the worker's report that the task's input requests changed (TaskSession
   * `inputsChanged`): this instance's watchers read the task again, its session is not told twice.
   */
  status(record: TaskRecord): void {
    this.changed(record);
    const entry = this.sessions.get(record.taskId);
    if (!entry) return;
    const told = `${record.status}\n${record.lastUpdatedAt}\n${record.statusMessage ?? ''}`;
    if (entry.told === told) return;
    entry.told = told;
    entry.queued = false;
    if (isTerminal(record.status)) this.drop(record.taskId, true);
    entry.session
      .statusChanged(record)
      .catch((error: unknown) => this.logger.warn(`mcp-task-actors: status of task ${record.taskId} not sent: ${String(error)}`));
  }

  /** A cancel settled a task no actor here runs: drop its job if no worker took it yet. */
  async cancelled(taskId: string, record: TaskRecord | undefined, runnerTold: boolean | undefined): Promise<void> {
    if (record) this.status(record);
    if (runnerTold === false) await this.placement.withdraw(taskId);
  }

  /**
   * Forgets the sessions and gives the `failed` settles still pending {@link CLOSE_GRACE_MS} more,
   * tried again meanwhile; {@link drained} resolves once each landed or was given up.
   */
  close(): void {
    if (this.closing.signal.aborted) return;
    this.giveUpAt = Date.now() + CLOSE_GRACE_MS;
    this.closing.abort();
    clearInterval(this.lostJobTimer);
    for (const taskId of [...this.sessions.keys()]) this.drop(taskId);
    // Those whose ttl ran out meanwhile too (a restart loses the counts anyway: they are per process).
    this.slots.endAll();
  }

  /**
   * After {@link close}: resolves once no settle is pending, at most {@link CLOSE_GRACE_MS} later. A
   * task whose settle did not land is logged, one line each: no one else knows it has no job, so
   * it stays `working` until its ttl. Never rejects.
   */
  async drained(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  /**
   * The record is stored but no job runs it: left alone it would stay `working` ("Waiting for a
   * worker") until its ttl. A job that did reach the queue (its answer lost) then finds the task over.
   */
  private async failUndispatched(record: TaskRecord, cause: unknown): Promise<void> {
    const { taskId } = record;
    const message = `The task could not be handed to the worker pool: ${cause instanceof Error ? cause.message : String(cause)}`;
    const outcome = { type: 'error' as const, error: { code: ErrorCode.InternalError, message, data: { taskId } } };
    const settle = async (): Promise<void> => {
      await this.store.settle(taskId, 'failed', message, outcome);
    };
    try {
      await settle();
    } catch (error) {
      // The dispatch's error is what the caller gets. A store away too (Redis is down for both) is
      // retried in the background until the task's ttl or this front's close: else the task would
      // stay `working` with no job once Redis is back.
      this.logger.error(`mcp-task-actors: task ${taskId} not settled after a failed dispatch; retrying`, error);
      const retrying = this.retrySettle(taskId, settle, Date.parse(record.createdAt) + record.ttl).finally(() =>
        this.pending.delete(taskId),
      );
      this.pending.set(taskId, retrying);
    }
  }

  /**
   * Tries `settle` again with backoff until it lands or the task's ttl passes (the record is gone
   * then); once `close` began, every {@link CLOSE_RETRY_MS} until its grace ends, then logs the
   * task as left `working`. Never rejects.
   */
  private async retrySettle(taskId: string, settle: () => Promise<void>, until: number): Promise<void> {
    let lastError: unknown;
    for (let delay = nextBackoff(0, 100, 5_000); ; delay = nextBackoff(delay, 100, 5_000)) {
      const closing = this.closing.signal.aborted;
      const wait = closing ? CLOSE_RETRY_MS : delay;
      if (Date.now() + wait > until) return;
      if (closing && Date.now() + wait > this.giveUpAt) break;
      // Before close: sooner when it begins, and not keeping the process alive (a settle may wait
      // for Redis for hours). During its grace: kept alive, so that the close ends.
      await (closing ? pause(wait) : pause(wait, this.closing.signal, true));
      // Bounded once closing: a try Redis holds must not hold the close past its grace.
      const attempt = settle();
      try {
        if (!this.closing.signal.aborted) return await attempt;
        return await withTimeout(attempt, Math.max(this.giveUpAt - Date.now(), 0), 'the store did not answer before close gave up');
      } catch (error) {
        attempt.catch(() => {});
        lastError = error;
      }
    }
    this.logger.error(
      `mcp-task-actors: task ${taskId} left working: its failed settle after a failed dispatch did not land before this front closed`,
      lastError,
    );
  }

  /**
   * The task's ttl ran out with no end reported here: its record is gone (the store expires it), and
   * a job no worker took (no worker serves its tool) would wait in its queue for good. Withdrawn; a
   * job a worker runs is left to it (it finds its task gone at its next write).
   */
  private expired(taskId: string): void {
    this.sessions.delete(taskId);
    this.slots.end(taskId);
    this.placement
      .withdraw(taskId)
      .catch((error: unknown) => this.logger.warn(`mcp-task-actors: job of expired task ${taskId} not withdrawn: ${String(error)}`));
  }

  /** `ended`: the task's end was heard (see DispatchedSlots `end`). */
  private drop(taskId: string, ended = false): void {
    const entry = this.sessions.get(taskId);
    if (entry) clearTimeout(entry.timer);
    this.sessions.delete(taskId);
    this.slots.end(taskId, ended);
  }
}
