import { hostname } from 'node:os';
import { Queue, Worker, isRedisInstance } from 'bullmq';
import type { ConnectionOptions, Job } from 'bullmq';
import type { TaskJob, TaskPlacement } from '../backends/TaskPlacement.js';
import { withTimeout } from '../withTimeout.js';
import { safeLogger } from '../safeLogger.js';
import { timerOption } from '../timerBounds.js';

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
   * How often a front looks for the jobs of its tasks that left their queue before a worker took
   * them (an operator's `drain`, `obliterate` or remove): such a task fails rather than staying
   * `working` until its ttl (ms). Default 5,000; `Infinity` for no check.
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
}

const QUEUE_PREFIX = 'tool-';

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
    },

    async withdraw(taskId) {
      // Removes a job that is still waiting; an active (locked) job is left to its worker, which
      // gets the cancel as a command.
      await Promise.all([...queues.values()].map((queue) => queue.remove(taskId).catch(() => 0)));
    },

    serve(tool, handlers) {
      if (options.role !== 'worker' || workers.has(tool) || closed) return;
      const own = options.tools?.[tool] ?? {};
      const queue = queueOf(tool);
      // Queue-wide settings live in Redis; every worker writes the same values.
      if (own.globalConcurrency !== undefined) settings.push(queue.setGlobalConcurrency(own.globalConcurrency).catch(report(logger, tool)));
      if (own.rateLimit) settings.push(queue.setGlobalRateLimit(own.rateLimit.max, own.rateLimit.durationMs).catch(report(logger, tool)));
      const worker = new Worker<TaskJob>(`${QUEUE_PREFIX}${tool}`, (job: Job<TaskJob>) => handlers.run(job.data), {
        connection: options.connection,
        prefix,
        concurrency: own.concurrency ?? concurrency,
        lockDuration: options.lockDurationMs ?? 10_000,
        stalledInterval: options.stalledIntervalMs ?? 5_000,
        maxStalledCount: options.maxStalledCount ?? 2,
        name: options.name ?? `${hostname()}:${process.pid}`,
      });
      worker.on('error', (error) => logger.error(`mcp-task-actors: worker of ${tool}`, error));
      // A job BullMQ fails itself (stalled too often) never reaches the processor again: its task
      // must not stay `working` for ever.
      worker.on('failed', (job, error) => {
        if (!job) return;
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
      await Promise.allSettled([...queues.values()].map((queue) => closeQueue(queue, queueTimeoutMs, ownClients)));
      workers.clear();
      queues.clear();
    },
  };
}

/** Closes a queue, waiting at most `ms` for Redis to answer; `ownClient`: its client is the pool's to end. */
async function closeQueue(queue: Queue<TaskJob>, ms: number, ownClient: boolean): Promise<void> {
  const closing = queue.close().finally(() => (ownClient ? endClient(queue) : undefined));
  try {
    await withTimeout(closing, ms, 'queue close timed out');
  } catch {
    // A QUIT held until Redis is back (a client given to the pool): nothing waits for it any more.
    closing.catch(() => {});
  }
}

/**
 * Ends for good the client BullMQ made for a queue from the pool's options, once BullMQ's close is
 * done. BullMQ closes it with a QUIT, which a front's client refuses while Redis is away (its offline
 * queue is off); BullMQ then marks the client ended and takes its 'error' listener off, while ioredis
 * still has a reconnect scheduled: the client would reconnect for good, each refused attempt an
 * unheard 'error' (printed on stderr by ioredis), and hold a connection nobody closes once Redis is
 * back. A disconnect cancels that reconnect; on a client that did end it changes nothing.
 */
async function endClient(queue: Queue<TaskJob>): Promise<void> {
  // A client whose connection never became ready: BullMQ disconnected it itself.
  const client = await queue.getBackend().client.catch(() => undefined);
  if (!client) return;
  // The pool is closed: nothing is left to report to, but no 'error' may go unheard.
  client.on('error', () => {});
  client.disconnect();
}

function report(logger: Pick<Console, 'error'>, tool: string): (error: unknown) => void {
  return (error) => logger.error(`mcp-task-actors: worker pool of ${tool}`, error);
}
