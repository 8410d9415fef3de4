import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, Worker, isRedisInstance } from 'bullmq';
import type { ConnectionOptions, Job } from 'bullmq';
import type { LostJob, TaskJob, TaskPlacement } from '../backends/TaskPlacement.js';
import { withTimeout } from '../withTimeout.js';
import { safeLogger } from '../safeLogger.js';
import { timerOption } from '../timerBounds.js';
import { WaitingJobs } from './waitingJobs.js';
import { closeQueue } from './closeQueue.js';
import { BadTaskJob, taskJobProblem } from './taskJobProblem.js';
import type { WaitingJob } from './waitingJobs.js';

/** Per-tool settings of a worker pool. */
export interface ToolQueueOptions {
  /** Jobs of this tool one worker runs at once. Default: the pool's `concurrency`. */
  concurrency?: number;
  /** Jobs of this tool running at once on all workers together (BullMQ global concurrency). Default: no limit. */
  globalConcurrency?: number;
  /** At most `max` jobs of this tool started per `durationMs` on all workers together. Default: no limit. */
  rateLimit?: { max: number; durationMs: number };
}

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** `front`: stores tasks and hands them to the pool; `worker`: runs them. */
  role: 'front' | 'worker';
  /**
   * BullMQ's Redis connection (ioredis options, a Redis Cluster, or a client). BullMQ opens its own
   * connections from it; use the same Redis as the task backend. Given as options, a front's queues
   * fail at once while Redis is away (`enableOfflineQueue: false`, `maxRetriesPerRequest: 1`, as the
   * task backend's connections); a client is used as it is (`queueTimeoutMs` still bounds the waits).
   */
  connection: ConnectionOptions;
  /** Prefix of the queues' keys. Default `mta-jobs`; on a Redis Cluster use a hash tag, e.g. `{mta-jobs}`. */
  prefix?: string;
  /** Jobs of one tool a worker runs at once, unless the tool says otherwise. Default 10. */
  concurrency?: number;
  /** Per-tool settings, by tool name. */
  tools?: Record<string, ToolQueueOptions>;
  /**
   * How long a worker's lock on a running job lasts without renewal (ms; BullMQ renews it at half
   * this). A killed worker's job is found after about `lockDurationMs` + `stalledIntervalMs`.
   * Default 10,000.
   */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs (ms). Default 5,000. */
  stalledIntervalMs?: number;
  /**
   * How often one job may stall (its worker died) and be run again (`restartable` tools; other
   * tasks fail at their first re-run) before the pool gives up on it. Default 2.
   */
  maxStalledCount?: number;
  /**
   * How long the pool waits on a queue's Redis commands (ms): a front's job add, a queue's close.
   * BullMQ holds commands while Redis is away, so without a bound a `tools/call`, and a shutdown,
   * would wait for Redis to come back. Past it the call fails (its task is settled `failed`), or the
   * close goes on without that queue's. Default 5,000; `Infinity` for no bound.
   */
  queueTimeoutMs?: number;
  /** How long finished jobs are kept (s), for dashboards such as Bull Board. Default 3,600. */
  keepFinishedJobsSeconds?: number;
  /** Where failures of the pool itself are reported. Default `console`. */
  logger?: Pick<Console, 'warn' | 'error'>;
  /** This worker's name, recorded on the jobs it runs (dashboards, the live view). Default `<hostname>:<pid>`. */
  name?: string;
  /**
   * How often a front looks for the jobs that left their queue before a worker took them (an
   * operator's `drain`, `obliterate` or remove): such a task fails rather than staying `working`
   * until its ttl (ms). A front looks at its own tasks; and the pool records in Redis each job
   * added by a front that looks, so that one front per period (whichever asks first) also looks at
   * the tasks of the fronts that restarted or are gone, and withdraws their jobs at the tasks' ttl.
   * Default 5,000; `Infinity` for no check (this front's jobs are then not recorded either).
   */
  lostJobCheckMs?: number;
}

/** One tool queue as a front sees it: jobs waiting, and which worker runs each active one. */
export interface ToolQueueView {
  tool: string;
  waiting: number;
  active: { taskId: string; worker: string | undefined }[];
}

/** A worker pool on BullMQ: the {@link TaskPlacement} to pass to `TaskSupport`, plus its queues for dashboards. */
export interface WorkerPool extends TaskPlacement {
  /** The BullMQ queue of a tool (created on first use), e.g. to mount in Bull Board. Throws once the pool is closed. */
  queue(tool: string): Queue<TaskJob>;
  /** Jobs waiting for a worker, per tool queue opened here. */
  depth(): Promise<Record<string, number>>;
  /** Each tool queue opened here: waiting jobs and the active ones with their worker (at most 100 per tool). */
  view(): Promise<ToolQueueView[]>;
  /** Tool queues this process takes jobs from (0 on a front). */
  readonly workerCount: number;
  /** How often a front looks for jobs gone from their queue (the `lostJobCheckMs` option). */
  readonly lostJobCheckMs: number;
  /** Whether the job of task `taskId` is gone from the queue of `tool` (removed, or never added). Rejects when Redis does not answer. */
  jobGone(tool: string, taskId: string): Promise<boolean>;
  /** The pool's recorded jobs that no worker will run any more (see {@link TaskPlacement.lostJobs}). */
  lostJobs(): Promise<LostJob[]>;
}

const QUEUE_PREFIX = 'tool-';
/** The name under the pool's prefix of its record of waiting jobs: no tool queue's (those are `tool-…`). */
const RECORD_NAME = 'mta-pool';
/** Job states in which a worker took the job: its record has done its part. */
const TAKEN = new Set(['active', 'completed']);
/** Recorded jobs looked up at once by one check. */
const CHECK_BATCH = 50;

/**
 * Runs task work on workers through BullMQ: one queue per task tool (so concurrency and rate limits
 * are per tool), one job per task, whose id is the task id. BullMQ's lock and stalled-job check are
 * the pool's only crash detection: a job whose worker died goes back to the queue and runs again on
 * another worker if the tool is `restartable`, else its task fails with a clear message.
 *
 * @example
 * // front: serves MCP, runs no work
 * const backend = createRedisTaskBackend({ url });
 * const tasks = new TaskSupport({ ...backend.options, placement: createWorkerPool({ role: 'front', connection: { url } }) });
 * // worker: registers the same task tools on a server it never connects
 * const tasks = new TaskSupport({ ...backend.options, placement: createWorkerPool({ role: 'worker', connection: { url } }) });
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const prefix = options.prefix ?? 'mta-jobs';
  const logger = safeLogger(options.logger ?? console);
  const concurrency = options.concurrency ?? 10;
  const keepSeconds = options.keepFinishedJobsSeconds ?? 3_600;
  const queueTimeoutMs = timerOption('queueTimeoutMs', options.queueTimeoutMs ?? 5_000) ?? Infinity;
  const lostJobCheckMs = timerOption('lostJobCheckMs', options.lostJobCheckMs ?? 5_000) ?? Infinity;
  const queues = new Map<string, Queue<TaskJob>>();
  // A front's commands are a tools/call's: held by ioredis while Redis is away, a job added after the
  // call failed would run for nobody. A worker's are not (a job's completion should wait for Redis).
  const queueConnection =
    options.role === 'front' && !isRedisInstance(options.connection)
      ? { ...options.connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : options.connection;
  // Queues made from options have clients BullMQ made for the pool; a client given is the caller's.
  const ownClients = !isRedisInstance(options.connection);
  const workers = new Map<string, Worker<TaskJob>>();
  const settings: Promise<unknown>[] = [];
  let closed = false;
  // The record's connection: a queue of no tool that adds no job (nor its meta), for its client only.
  let recordQueue: Queue | undefined;
  const recordClient = async (): ReturnType<Queue['getBackend']>['client'] => {
    if (closed) throw new Error('mcp-task-actors: the worker pool is closed');
    if (!recordQueue) {
      recordQueue = new Queue(RECORD_NAME, { connection: queueConnection, prefix, skipMetasUpdate: true });
      recordQueue.on('error', (error) => logger.error('mcp-task-actors: worker pool record of waiting jobs', error));
    }
    return recordQueue.getBackend().client;
  };
  const recordKey = `${prefix}:${RECORD_NAME}:waiting`;
  const waitingJobs = new WaitingJobs(recordClient, recordKey, queueTimeoutMs, logger);
  // Only a front that checks records its jobs: no one else would ever forget them.
  const recording = options.role === 'front' && Number.isFinite(lostJobCheckMs);
  const turnToken = randomUUID();
  const record = async (job: TaskJob, reservedAt?: number): Promise<void> => {
    if (!recording || job.deadline === undefined) return;
    const entry = { taskId: job.taskId, tool: job.tool, front: job.front, until: job.deadline };
    await waitingJobs.add(reservedAt === undefined ? entry : { ...entry, reservedAt }).catch(report(logger, job.tool));
  };

  const queueOf = (tool: string): Queue<TaskJob> => {
    // A queue opened now would hold a Redis connection that nothing closes any more.
    if (closed) throw new Error(`mcp-task-actors: the worker pool is closed (no queue for tool ${tool})`);
    let queue = queues.get(tool);
    if (!queue) {
      queue = new Queue<TaskJob>(`${QUEUE_PREFIX}${tool}`, { connection: queueConnection, prefix });
      // A queue's connection error is reported, never an unhandled 'error' event.
      queue.on('error', (error) => logger.error(`mcp-task-actors: worker pool queue of ${tool}`, error));
      queues.set(tool, queue);
    }
    return queue;
  };

  return {
    role: options.role,
    queue: queueOf,
    get workerCount() {
      return workers.size;
    },
    lostJobCheckMs,

    async jobGone(tool, taskId) {
      const state = queueOf(tool).getJobState(taskId);
      return (await withTimeout(state, queueTimeoutMs, `the job queue of tool ${tool} did not answer`)) === 'unknown';
    },

    async dispatch(job) {
      const queue = queueOf(job.tool);
      const adding = queue.add(job.tool, job, {
        jobId: job.taskId,
        // Failures are the task's own business (stored in its outcome); the job itself never retries.
        attempts: 1,
        removeOnComplete: { age: keepSeconds },
        removeOnFail: { age: keepSeconds },
      });
      try {
        await withTimeout(adding, queueTimeoutMs, `the job queue of tool ${job.tool} did not answer within ${queueTimeoutMs} ms`);
      } catch (error) {
        // Held until Redis is back, the add may still land: its call failed, so the job must not run.
        void adding
          .then(
            () => queue.remove(job.taskId),
            () => 0,
          )
          .catch(report(logger, job.tool));
        throw error;
      }
      // Again once the add landed, no longer reserved: a job missing from its queue now left it.
      await record(job);
    },

    // Before the task is stored: a front that dies before its job is added leaves this record, by
    // which a surviving front finds the task (nothing else would: it has no lease). Not recorded
    // (Redis failed just now), the task is still checked by this front while it lives.
    reserve: (job) => record(job, Date.now()),

    async withdraw(taskId) {
      // Removes a job that is still waiting; an active (locked) job is left to its worker, which
      // gets the cancel as a command. The record names the queue of a job added before a restart.
      const recorded = recording ? await waitingJobs.get(taskId).catch(() => undefined) : undefined;
      const from = new Set(queues.values());
      if (recorded) from.add(queueOf(recorded.tool));
      await Promise.all([...from].map((queue) => queue.remove(taskId).catch(() => 0)));
      if (recorded) await waitingJobs.forget(taskId).catch(report(logger, recorded.tool));
    },

    async lostJobs() {
      if (!recording || !(await waitingJobs.turn(turnToken, lostJobCheckMs))) return [];
      const lost: LostJob[] = [];
      const recorded = await waitingJobs.all();
      const look = async (job: WaitingJob): Promise<void> => {
        const queue = queueOf(job.tool);
        const bounded = <T>(call: Promise<T>): Promise<T> =>
          withTimeout(call, queueTimeoutMs, `the job queue of tool ${job.tool} did not answer`);
        // Past its task's ttl, the record gone: no worker will run it (its front, if alive, withdraws it too).
        if (job.until <= Date.now()) {
          await bounded(queue.remove(job.taskId)).catch(() => 0);
          return waitingJobs.forget(job.taskId);
        }
        const state = await bounded(queue.getJobState(job.taskId));
        // Reserved and not in its queue yet: its front may still be storing the task or adding the job.
        if (state === 'unknown' && !waitingJobs.adding(job)) {
          lost.push({ taskId: job.taskId, front: job.front, neverAdded: job.reservedAt !== undefined });
        } else if (TAKEN.has(state)) await waitingJobs.forget(job.taskId);
        else if (state === 'failed') {
          // Failed before its task ran (the front judges that), e.g. on a worker whose store does not
          // hold the task; the job is kept for dashboards.
          const failed = (await bounded(queue.getJob(job.taskId)))?.failedReason || 'unknown reason';
          await waitingJobs.forget(job.taskId);
          lost.push({ taskId: job.taskId, front: job.front, failed });
        }
      };
      for (let at = 0; at < recorded.length && !closed; at += CHECK_BATCH) {
        // A look-up that failed (Redis away, the pool closing) is tried again at the next check.
        await Promise.all(recorded.slice(at, at + CHECK_BATCH).map((job) => look(job).catch(() => {})));
      }
      return lost;
    },

    serve(tool, handlers) {
      if (options.role !== 'worker' || workers.has(tool) || closed) return;
      const own = options.tools?.[tool] ?? {};
      const queue = queueOf(tool);
      // Queue-wide settings live in Redis; every worker writes the same values.
      if (own.globalConcurrency !== undefined) settings.push(queue.setGlobalConcurrency(own.globalConcurrency).catch(report(logger, tool)));
      if (own.rateLimit) settings.push(queue.setGlobalRateLimit(own.rateLimit.max, own.rateLimit.durationMs).catch(report(logger, tool)));
      const worker: Worker<TaskJob> = new Worker<TaskJob>(
        `${QUEUE_PREFIX}${tool}`,
        (job: Job<TaskJob>) => {
          const problem = taskJobProblem(job.data, tool);
          if (problem !== undefined) {
            // Logged once here, for the operator; the failed reason tells dashboards.
            const error = new BadTaskJob(tool, job.id, problem);
            logger.error(error.message);
            throw error;
          }
          // Taken: the pool's record of waiting jobs lets go of it now, on this worker's own
          // connection, so a front's pool-wide check need not ask the job's state to learn it.
          const dropped = worker
            .getBackend()
            .client.then((client) => client.hdel(recordKey, job.data.taskId))
            .catch(() => {});
          // Failed before its task ran (not in this worker's store: another backend's job): the
          // record goes back, after the drop, so the front's check finds the failed job and fails
          // the task with the reason; dropped for good, the task stayed `working` until its ttl.
          return handlers.run(job.data).catch(async (error: unknown) => {
            const { taskId, tool, front, deadline } = job.data;
            if (deadline !== undefined) await dropped.then(() => waitingJobs.add({ taskId, tool, front, until: deadline })).catch(() => {});
            throw error;
          });
        },
        {
          connection: options.connection,
          prefix,
          concurrency: own.concurrency ?? concurrency,
          lockDuration: options.lockDurationMs ?? 10_000,
          stalledInterval: options.stalledIntervalMs ?? 5_000,
          maxStalledCount: options.maxStalledCount ?? 2,
          name: options.name ?? `${hostname()}:${process.pid}`,
        },
      );
      worker.on('error', (error) => logger.error(`mcp-task-actors: worker of ${tool}`, error));
      // A job BullMQ fails itself (stalled too often) never reaches the processor again: its task
      // must not stay `working` for ever. A job the processor refused has no task; one BullMQ failed
      // without the processor is judged here, where its data is first read.
      worker.on('failed', (job, error) => {
        if (!job || error instanceof BadTaskJob || taskJobProblem(job.data, tool) !== undefined) return;
        handlers.abandoned(job.data, error.message).catch(report(logger, tool));
      });
      workers.set(tool, worker);
    },

    async depth() {
      const counts = await Promise.all([...queues.entries()].map(async ([tool, queue]) => [tool, await queue.getWaitingCount()] as const));
      return Object.fromEntries(counts);
    },

    async view() {
      return Promise.all(
        [...queues.entries()].map(async ([tool, queue]) => {
          const [waiting, active] = await Promise.all([queue.getWaitingCount(), queue.getActive(0, 99)]);
          return { tool, waiting, active: active.map((job) => ({ taskId: String(job.id), worker: job.processedBy })) };
        }),
      );
    },

    async close() {
      closed = true;
      await Promise.allSettled(settings);
      // Force: running jobs are not awaited (their tasks end as on any shutdown, or stall and run
      // again elsewhere if the process dies first).
      await Promise.allSettled([...workers.values()].map((worker) => worker.close(true)));
      const open: Queue[] = [...queues.values(), ...(recordQueue ? [recordQueue] : [])];
      await Promise.allSettled(open.map((queue) => closeQueue(queue, queueTimeoutMs, ownClients)));
      workers.clear();
      queues.clear();
    },
  };
}

function report(logger: Pick<Console, 'error'>, tool: string): (error: unknown) => void {
  return (error) => logger.error(`mcp-task-actors: worker pool of ${tool}`, error);
}
