import type { ClientCapabilities, ProgressToken } from '@modelcontextprotocol/sdk/types.js';

/** What a worker needs to run a task another instance created: everything but the client's session. */
export interface TaskJob {
  taskId: string;
  /** The task tool's name (registered on the worker's `TaskSupport` as on the front's). */
  tool: string;
  /** The tool's arguments as the front validated them. */
  args: unknown;
  /** The caller the task is bound to. */
  owner: string;
  /** What the client declared, so the work's `task.elicit` / `task.createMessage` checks still hold. */
  clientCapabilities?: ClientCapabilities;
  /** The front instance that created the task: workers report its status changes there. */
  front?: string;
  /** Whether the tool may run again after its worker died (the tool's `restartable`). */
  restartable: boolean;
  /**
   * The `tools/call`'s `progressToken`, valid for the task's whole life: the work's `task.progress()`
   * sends on it (queued for `tasks/result`, as the worker's logs are). Absent when the call had none.
   */
  progressToken?: ProgressToken;
  /**
   * When the task's ttl runs out (ms since epoch): past it the task's record is gone, and a job no
   * worker took is withdrawn by any front of the pool. Absent: the pool keeps no record of the job.
   */
  deadline?: number;
}

/** A job no worker will run any more, though no worker ran its task (see {@link TaskPlacement.lostJobs}). */
export interface LostJob {
  taskId: string;
  /** The front that created the task (it may be gone, or be the one asking), told of the task's end. */
  front: string | undefined;
  /**
   * Absent: the job left its queue (an operator's drain, obliterate or remove). Else it failed on a
   * worker before the task ran, for this reason: e.g. a worker of another task backend took it (two
   * backends' pools sharing a queue prefix on one Redis). Such a job is forgotten by the pool already.
   */
  failed?: string;
  /**
   * The job was noted before its task was stored ({@link TaskPlacement.reserve}) and never seen
   * added: its front stopped between the two, or gave up on the add (and failed the task itself).
   */
  neverAdded?: boolean;
}

/** What a worker does with the jobs of one tool. */
export interface JobHandlers {
  /**
   * Runs the job's task; resolves once it ended here (the job's lock is held until then). Whether it
   * is a rerun is the task's record's to say (a runner recorded), not the queue's count of starts: a
   * worker that died between taking the job and claiming the task never ran the work.
   */
  run(job: TaskJob): Promise<void>;
  /** The queue gave up on the job (e.g. it stalled too often): the task must not stay `working`. */
  abandoned(job: TaskJob, reason: string): Promise<void>;
}

/**
 * Where task work runs. Without a placement it runs in the process that received the `tools/call`
 * (the default, in memory and on Redis). With one, a *front* stores the task and hands it to a pool
 * of *workers* through a queue (BullMQ: `createWorkerPool` in `mcp-task-actors/bullmq`); a worker
 * runs the work under its own root actor, and a dead worker's task is found by the queue's own
 * stalled-job check. Both sides share the store, queue and cluster of the Redis backend, which
 * carry status, input requests, answers and cancels between them.
 */
export interface TaskPlacement {
  /** `front`: creates tasks and hands them to workers; `worker`: runs the work. */
  readonly role: 'front' | 'worker';
  /** Front: hands a stored task to the pool. */
  dispatch(job: TaskJob): Promise<void>;
  /**
   * Front, optional: notes the job of a task about to be stored, before the store write, so that a
   * front that dies before its {@link dispatch} lands leaves a trace by which another front's
   * {@link lostJobs} finds the task (it has no lease: nothing else would). Should not reject: the
   * task is created without the note when it fails.
   */
  reserve?(job: TaskJob): Promise<void>;
  /** Front: the task ended before a worker took it (cancelled): drop its job if still waiting. */
  withdraw(taskId: string): Promise<void>;
  /** Worker: starts taking the jobs of `tool` (called for each task tool registered on the worker). */
  serve(tool: string, handlers: JobHandlers): void;
  /** Stops taking jobs (a worker lets its running jobs finish first) and closes connections. */
  close(): Promise<void>;
  /**
   * Front, optional: whether the job of task `taskId` is gone from the queue of `tool` (an
   * operator's drain, obliterate or remove), so no worker will ever take it; the front then fails
   * the task if no worker claimed it. Looked at every {@link lostJobCheckMs} (finite) for the
   * tasks no worker reported yet.
   */
  jobGone?(tool: string, taskId: string): Promise<boolean>;
  /** Front, optional: how often {@link jobGone} and {@link lostJobs} are asked (ms). */
  readonly lostJobCheckMs?: number;
  /**
   * Front, optional: the jobs of the whole pool, added by any front (this one, before a restart
   * too, or a front gone for good), that no worker will run any more (see {@link LostJob}). Asked
   * every {@link lostJobCheckMs}; it may answer none when another front's check covers this period.
   * The front fails each such task still unclaimed and tells its creating front; then, for a job
   * that left its queue, calls {@link withdraw}, which forgets it.
   */
  lostJobs?(): Promise<LostJob[]>;
}
