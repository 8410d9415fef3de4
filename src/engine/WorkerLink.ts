import type { TaskCluster } from '../backends/TaskCluster.js';
import type { JobHandlers, TaskJob } from '../backends/TaskPlacement.js';
import { errorShape } from '../errors.js';
import { isTerminal } from '../types.js';
import type { JsonRpcErrorShape, TaskRecord } from '../types.js';
import { ErrorCode, McpError } from '../wire.js';
import type { EngineCore } from './ClusterLink.js';
import { LiveTask } from './LiveTask.js';
import { takeRetries, TAKE_RETRY_BUDGET_MS } from './takeRetries.js';
import type { TakeRetry } from './takeRetries.js';
import type { TaskSession, TaskSpec } from './TaskSpec.js';

/**
 * How long before a job's deadline its task's record may be missing (ms): the record's expiry is set
 * from the front's clock and run on Redis's, so a worker's clock a little behind sees it gone early.
 */
const UNKNOWN_TASK_MARGIN_MS = 10_000;

/** The watch of a run's stored end may skip its first look: the update that starts the run does it. */
const LISTEN_ONLY = { listenOnly: true } as const;

/**
 * The reason the watch of a run's stored end is stopped with: `abort()` without one builds a
 * DOMException with a stack each time (backends/Waiters.ts STOP_WAITING), once per task.
 */
const WATCH_DONE: unknown = Object.freeze({ done: 'run over' });

/** The status text of a task dispatched to a worker pool until a worker starts it. */
export const WAITING_FOR_WORKER = 'Waiting for a worker';

/** What a worker needs beyond the cluster glue: the work of any registered task tool. */
export interface WorkerCore extends EngineCore {
  /**
   * The work of `tool` with `args`; undefined when no such tool is registered here. May throw the
   * McpError a call in process would get (-32602 when this worker's input schema refuses `args`).
   */
  readonly jobWork: ((tool: string, args: unknown) => TaskSpec['run'] | undefined) | undefined;
  /**
   * Aborts when this instance's close begins (the engine's shutdown signal): a take pausing before
   * it tries the store again stops at once.
   */
  readonly closing: AbortSignal;
}

/**
 * A worker's session: the client is connected to a front, not here. Logs and progress go to the
 * shared queue (a `tasks/result` on any front delivers them); input requests wait there too.
 * Status changes are reported to the front that created the task, which tells its client.
 */
function workerSession(job: TaskJob, cluster: TaskCluster, store: EngineCore['store']): TaskSession {
  const front = job.front;
  return {
    clientCapabilities: () => job.clientCapabilities,
    notify: async () => false,
    statusChanged: async (record) => {
      if (front !== undefined) await cluster.tell?.(front, job.taskId, { type: 'status', record });
    },
    // The status as stored, unchanged: the front tells its watchers only (FrontLink.status). Read
    // here, on the rare task with several asks at once, rather than kept for every task of a worker.
    inputsChanged: async () => {
      const record = front === undefined ? undefined : await store.get(job.taskId);
      if (front !== undefined && record && !isTerminal(record.status)) await cluster.tell?.(front, job.taskId, { type: 'status', record });
    },
  };
}

/**
 * The engine's side of a worker pool: runs a job a front handed over, under this instance's root
 * actor. The runner is written into the task's hash (it fences the writes of a worker that lost the
 * job, and routes cancels and answers here) but takes no lease: the queue's stalled-job check, not
 * the lease sweep, finds a dead worker, so there is one crash mechanism.
 */
export class WorkerLink implements JobHandlers {
  constructor(
    private readonly core: WorkerCore,
    private readonly cluster: TaskCluster,
  ) {}

  /** Runs the job's task here; resolves once it ended (or at once when there is nothing to run). */
  async run(job: TaskJob): Promise<void> {
    // Taking the job counts as in flight: a close meanwhile waits for it, and the task then ends at once.
    const live = await this.core.inFlight(() => this.take(job));
    await live?.ended;
  }

  /**
   * Takes the job's task: claims it, marks it started and runs it here; undefined when there is
   * nothing to run. Each store call is tried again on an error that may pass (takeRetries.ts): one
   * try failed the task at a mere blip of Redis. Each call reads or writes afresh, so a task that
   * ended meanwhile is found ended (or refuses the start) and is not run.
   */
  private async take(job: TaskJob): Promise<LiveTask | undefined> {
    const { store, queue } = this.core;
    const { taskId } = job;
    const retry = this.retries(taskId);
    const record = await retry(() => store.get(taskId));
    if (!record && job.deadline !== undefined && job.deadline - Date.now() > UNKNOWN_TASK_MARGIN_MS) {
      // Not expired, yet not in this worker's store: deleted (an extension call whose client gave up
      // and whose job could not be withdrawn), or a job of another task backend whose pool shares
      // this pool's queues (same Redis and queue prefix). Finished quietly, the latter would leave
      // its task `working` until its ttl; failed, it shows why (dashboards, the front's check).
      const message = `task ${taskId} is not in this worker's task store though its ttl has not run out (deleted, or a job of another task backend: does a worker pool of another backend share this pool's queue prefix?)`;
      this.core.logger.error(`mcp-task-actors: ${message}`);
      throw new Error(message);
    }
    // Gone, or already over (cancelled while queued, expired).
    if (!record || isTerminal(record.status)) return undefined;
    // Already running here: the job's lock lapsed while this worker lived (Redis away for longer) and
    // the stalled check gave the job back to it. Held until the run ends, as the first take was:
    // a job finished at once would leave the task with no active job, so a later death of this
    // worker would go unnoticed and the task stay `working`.
    const running = this.core.liveTask(taskId);
    if (running) return running;
    // A runner in the record means a worker claimed this task before and stopped (its job stalled);
    // none means no work ever started, whatever the job's count of starts says.
    const rerun = record.runner !== undefined;
    if (this.core.isClosing()) {
      await this.fail(job, 'The worker that took this task was shutting down', true, retry);
      return undefined;
    }
    const run = this.workOf(job);
    if (typeof run !== 'function') {
      await this.fail(job, run, true, retry);
      return undefined;
    }
    if (rerun && !job.restartable) {
      await this.fail(job, 'The worker running this task stopped before it finished', true, retry);
      await this.stopEarlierRun(taskId, record.runner);
      return undefined;
    }
    const deadline = Date.parse(record.createdAt) + record.ttl;
    // Tried again as it is: the same runner and deadline written twice are written once.
    await retry(() => this.cluster.claim(taskId, { lease: false, until: deadline }));
    // After the claim, which fences the earlier runner's writes: its cancelled end is not stored.
    await this.stopEarlierRun(taskId, record.runner);
    // Requests the dead worker asked are void: the work starts over and asks again.
    if (rerun) await retry(() => queue.clear(taskId));
    const message = rerun ? 'Restarted after its worker stopped' : 'Started on a worker';
    // Armed before the update, so that an end stored after it still wakes the watch (see stopOnStoredEnd).
    const stop = new AbortController();
    const woken = this.endStored(taskId, stop.signal);
    // A start written before a lost reply is written again: still `working`, still this runner's.
    const started = await retry(() => store.update(taskId, 'working', message, this.cluster.instanceId)).catch((error: unknown) => {
      stop.abort(WATCH_DONE);
      throw error;
    });
    // Refused: the task ended since it was read (a cancel while the job was taken): nothing to run.
    if (!started) {
      stop.abort(WATCH_DONE);
      return undefined;
    }
    // No live-task slot here: the front that admitted the task holds it until the end (DispatchedSlots),
    // and refusing a job at this point would only fail a task its client was promised. What a worker
    // runs at once is the pool's `concurrency` (docs/limits.md).
    const live = new LiveTask({
      owner: record.owner,
      tool: job.tool,
      session: workerSession(job, this.cluster, this.core.store),
      // The call's token stays valid for the task's whole life: the work's progress goes on it, queued.
      ...(job.progressToken === undefined ? {} : { progressToken: job.progressToken }),
      run,
      ...(job.restartable ? { restart: { tool: job.tool, args: job.args } } : {}),
    });
    this.core.run(taskId, live, deadline);
    void this.stopOnStoredEnd(taskId, live, woken, stop);
    return live;
  }

  /**
   * Stops the run once the task's end is stored elsewhere. A `tasks/cancel` on a front stores the
   * end, then tells this worker; a front that dies in between told no one, and no lease renewal
   * finds the stored end here (a worker holds none), so the work ran on until the task's ttl, in a
   * slot of the pool. The store's settle publishes the task's end event itself, which this process
   * already receives for every task (the event that wakes `tasks/result`): woken by it, or by a
   * reconnect of the subscription (every waiter is, to look again), and with the work still running,
   * the record is read, and a stored end cancels the run (its own settle is then refused and it
   * reports the stored end). A task's normal end costs no read: its work has returned by the time
   * its own settle's event arrives. A record gone stops the run without writing, as a lost lease does.
   */
  private async stopOnStoredEnd(taskId: string, live: LiveTask, woken: Promise<void>, stop: AbortController): Promise<void> {
    void live.ended.then(() => stop.abort(WATCH_DONE));
    const running = (): boolean => !stop.signal.aborted && this.core.liveTask(taskId) === live && !live.workSettled && !live.workAborted;
    try {
      for (let wake = woken; ;) {
        await wake;
        if (!running()) return;
        // Armed again before the read: an end stored after it still wakes the next look.
        wake = this.endStored(taskId, stop.signal);
        const record = await this.core.store.get(taskId).then(
          (read) => read ?? null,
          // The store is away: its reconnect wakes the wait armed above.
          () => undefined,
        );
        if (!running()) return;
        if (record === null) {
          this.core.send(taskId, { type: 'shutdown', reason: 'The task’s record is gone from the store' });
          return;
        }
        if (record && isTerminal(record.status)) {
          this.core.send(taskId, { type: 'cancel', reason: record.statusMessage || `The task ended ${record.status} on another instance` });
          return;
        }
      }
    } catch {
      // A store whose wait throws: the front's cancel and the task's ttl still stop the run.
    } finally {
      stop.abort(WATCH_DONE);
    }
  }

  /** The store's next end event of the task (or a reconnect of its subscription), until `signal` aborts. */
  private endStored(taskId: string, signal: AbortSignal): Promise<void> {
    const wait = this.core.store.waitForTerminal(taskId, signal, LISTEN_ONLY);
    // Awaited later, maybe after a read: a rejection meanwhile must not count as unhandled.
    wait.catch(() => {});
    return wait;
  }

  /** The job's work here, or what its task fails with when there is none (see {@link fail}). */
  private workOf(job: TaskJob): TaskSpec['run'] | string | JsonRpcErrorShape {
    try {
      return (
        this.core.jobWork?.(job.tool, job.args) ??
        `No worker could run tool ${job.tool}: it is not registered on the worker that took the job`
      );
    } catch (error) {
      // The front's version of the tool took the arguments, this worker's refuses them (a rolling
      // deploy): the client learns what a call of this version in process answers, e.g. -32602
      // "Invalid arguments for tool X: …", not that the tool is missing.
      if (error instanceof McpError) return errorShape(error);
      return `No worker could run tool ${job.tool}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * A job stalls when its lock lapses, which a worker that is alive sees too: Redis away for longer
   * than the lock, or an event loop blocked that long. Its run would go on beside this one (or beside
   * a task already failed) unless told: a cancel to it, best effort (a dead worker hears nothing).
   */
  private async stopEarlierRun(taskId: string, runner: string | undefined): Promise<void> {
    if (runner === undefined || runner === this.cluster.instanceId) return;
    await this.cluster.tell?.(runner, taskId, { type: 'cancel', reason: 'Another worker took this task over' }).catch(() => {});
  }

  /** The retries of one take (or end) of task `taskId`'s job: ended by this instance's close. */
  private retries(taskId: string, what = 'take'): TakeRetry {
    return takeRetries({
      signal: this.core.closing,
      retrying: (error) =>
        this.core.logger.warn(
          `mcp-task-actors: the worker's ${what} of task ${taskId} met a store error (${error instanceof Error ? error.message : String(error)}): trying again for up to ${TAKE_RETRY_BUDGET_MS / 1000} s`,
        ),
    });
  }

  /** The queue gave up on the job: fail the task unless it already ended. */
  async abandoned(job: TaskJob, reason: string): Promise<void> {
    if (this.core.isLive(job.taskId)) return;
    // Retried as a take is: given up on because the store was away, the job comes here at once,
    // while it may still be; one failed read left the task `working` until its ttl.
    const retry = this.retries(job.taskId, 'end');
    const record = await retry(() => this.core.store.get(job.taskId));
    if (record && !isTerminal(record.status)) await this.fail(job, `The worker pool gave up on this task: ${reason}`, false, retry);
  }

  /**
   * Fails a task no actor runs, and tells its front (whose client may wait for the status). A
   * message is an internal error naming the task; an error shape is stored as it is. `comesBack`:
   * whether the job is delivered again if this worker dies meanwhile (not once the queue gave up on it).
   */
  private async fail(
    job: TaskJob,
    failure: string | JsonRpcErrorShape,
    comesBack = true,
    retry: TakeRetry = this.retries(job.taskId, 'end'),
  ): Promise<void> {
    const { taskId } = job;
    const error = typeof failure === 'string' ? { code: ErrorCode.InternalError, message: failure, data: { taskId } } : failure;
    // The dead run's requests go before the end is stored: this worker dying in between leaves the
    // task unended, its job stalls, and the next worker fails it again (a rerun) or runs it (never
    // started: nothing was queued). Cleared after, such a death left them for their 24 h expiry (the
    // next worker finds the task ended and only finishes the job), for a later tasks/result to ask.
    // A job the queue gave up on comes back to no one: there the end goes first, so that such a
    // death leaves the task ended (its requests until their expiry), not `working` until its ttl.
    if (comesBack) await retry(() => this.core.queue.clear(taskId));
    let tries = 0;
    const settled = await retry(() => {
      tries++;
      return this.core.store.settle(taskId, 'failed', error.message, { type: 'error', error });
    });
    // Refused after a try that erred: that try may have landed with its reply lost (a connection
    // dropped after the write), and the refusal is then this fail's own end, which its front's
    // session must still hear. The stored `failed` end is told whoever wrote it: another runner's
    // (told by it too) reaches the client once, as the front passes a repeated status on once
    // (FrontLink.status). Its message is not compared: a store may have cut it.
    const record = settled ?? (tries > 1 ? await this.storedFailure(taskId, retry) : undefined);
    if (!comesBack) await retry(() => this.core.queue.clear(taskId));
    if (record) await workerSession(job, this.cluster, this.core.store).statusChanged(record);
  }

  /** The task's stored end when it is `failed`; undefined too when the store does not answer (its event still tells the front). */
  private async storedFailure(taskId: string, retry: TakeRetry): Promise<TaskRecord | undefined> {
    const stored = await retry(() => this.core.store.get(taskId)).catch(() => undefined);
    return stored?.status === 'failed' ? stored : undefined;
  }
}

/** A worker pool's job for a task just created on this front. */
export function jobOf(record: TaskRecord, spec: TaskSpec): TaskJob {
  const capabilities = spec.session.clientCapabilities();
  return {
    taskId: record.taskId,
    tool: spec.tool ?? '',
    args: spec.args,
    owner: record.owner,
    ...(capabilities ? { clientCapabilities: capabilities } : {}),
    restartable: spec.restart !== undefined,
    ...(spec.progressToken === undefined ? {} : { progressToken: spec.progressToken }),
    deadline: Date.parse(record.createdAt) + record.ttl,
  };
}
