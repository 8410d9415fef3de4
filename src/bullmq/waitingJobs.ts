import type { RedisClient } from 'bullmq';
import { withTimeout } from '../withTimeout.js';

/** A job a front of the pool added and no worker was seen taking yet, as the pool's record in Redis keeps it. */
export interface WaitingJob {
  taskId: string;
  tool: string;
  /** The front that created the task (its instance id), which tells its client of the task's status. */
  front: string | undefined;
  /** When the task's ttl runs out (ms since epoch): its record is gone then, and its job is withdrawn. */
  until: number;
  /**
   * Set while the job is only reserved (ms since epoch, when): recorded before its task was stored,
   * its add not yet seen landing (see {@link WaitingJobs.adding}). Cleared by the record after the add.
   */
  reservedAt?: number;
}

/**
 * How many times the pool's `queueTimeoutMs` a reserved job may take to appear in its queue: its
 * front stores the task (the task backend's `storeTimeout`, by default as long) and adds the job
 * (bounded by `queueTimeoutMs`, after which the front fails the task itself), with margin.
 */
const RESERVED_FOR = 3;

/** Sets one field of the record and keeps the hash until the latest deadline it holds (one script: the hash never outlives it). */
const REGISTER = `redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[3]) then redis.call('pexpire', KEYS[1], ARGV[3]) end
return 1`;
/**
 * Whose turn the pool-wide check is: the front that holds it renews it at each of its checks (a
 * turn that lapsed just before would skip every other one); another front takes it once it lapsed.
 */
const TURN = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
return 0`;
const REGISTER_COMMAND = 'mtaRegisterWaitingJob';
const TURN_COMMAND = 'mtaWaitingJobsTurn';

/**
 * The pool's record of the jobs its fronts added and no worker took yet: a hash in Redis, task id →
 * tool, front and deadline, under the pool's prefix (outside every tool queue's keys, so that an
 * operator's `obliterate` of a queue leaves it). It outlives the front that added a job, so that any
 * front of the pool, a restarted one included, can find the tasks whose jobs left their queue.
 * Every call waits at most `timeoutMs` for Redis.
 * @internal
 */
export class WaitingJobs {
  private defined: Promise<RedisClient> | undefined;

  constructor(
    /** The client of the pool's own connection for this record (made on first use). */
    private readonly client: () => Promise<RedisClient>,
    /** The hash's key; `<key>:turn` is the pool-wide check's turn. */
    private readonly key: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Records a job: reserved (`reservedAt` set) before its task is stored, then again once its add
   * landed. A reserved job missing from its queue is taken for lost only once {@link adding} says no.
   */
  async add(job: WaitingJob): Promise<void> {
    const value = JSON.stringify({ tool: job.tool, front: job.front, until: job.until, reservedAt: job.reservedAt });
    // One second past the deadline: the last check that withdraws the job must still find it.
    const keep = Math.max(Math.ceil(job.until - Date.now()), 0) + 1_000;
    await this.bounded((client) => client.runCommand(REGISTER_COMMAND, [this.key, job.taskId, value, keep]));
  }

  /**
   * Whether a reserved job missing from its queue may still be on its way there: its front, if alive,
   * is still storing the task or adding the job. Past that, either the add landed, or the front gave
   * up on it (and failed the task), or the front died between the reservation and the add.
   */
  adding(job: WaitingJob, now = Date.now()): boolean {
    return job.reservedAt !== undefined && now - job.reservedAt < RESERVED_FOR * this.timeoutMs;
  }

  /** The recorded job of `taskId`, if any. */
  async get(taskId: string): Promise<WaitingJob | undefined> {
    const value = await this.bounded((client) => client.hget(this.key, taskId));
    return value === null ? undefined : parse(taskId, value);
  }

  /** Every recorded job (an unreadable entry is dropped: nothing could act on it). */
  async all(): Promise<WaitingJob[]> {
    const entries = Object.entries(await this.bounded((client) => client.hgetall(this.key)));
    return entries.flatMap(([taskId, value]) => parse(taskId, value) ?? []);
  }

  /** Forgets the job of `taskId`: a worker took it, or its task ended, or it was withdrawn. */
  async forget(taskId: string): Promise<void> {
    await this.bounded((client) => client.hdel(this.key, taskId));
  }

  /**
   * Whether the pool-wide check is this caller's (`token`) for the next `ms`: one front walks the
   * record per period, whichever fronts live, rather than each front asking for every job; a front
   * that stopped asking (gone) leaves it to another within `ms`.
   */
  async turn(token: string, ms: number): Promise<boolean> {
    return (await this.bounded((client) => client.runCommand(TURN_COMMAND, [`${this.key}:turn`, token, ms]))) === 1;
  }

  private async bounded<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    return withTimeout(
      this.commands().then(call),
      this.timeoutMs,
      `the worker pool's record of waiting jobs did not answer within ${this.timeoutMs} ms`,
    );
  }

  private commands(): Promise<RedisClient> {
    if (this.defined) return this.defined;
    const defined = this.client().then((client) => {
      client.defineCommand(REGISTER_COMMAND, { numberOfKeys: 1, lua: REGISTER });
      client.defineCommand(TURN_COMMAND, { numberOfKeys: 1, lua: TURN });
      return client;
    });
    // A client that could not be had is asked for again next time.
    defined.catch(() => {
      if (this.defined === defined) this.defined = undefined;
    });
    return (this.defined = defined);
  }
}

function parse(taskId: string, value: string): WaitingJob | undefined {
  try {
    const { tool, front, until, reservedAt } = JSON.parse(value) as {
      tool?: unknown;
      front?: unknown;
      until?: unknown;
      reservedAt?: unknown;
    };
    if (typeof tool !== 'string' || typeof until !== 'number') return undefined;
    const job: WaitingJob = { taskId, tool, front: typeof front === 'string' ? front : undefined, until };
    if (typeof reservedAt === 'number') job.reservedAt = reservedAt;
    return job;
  } catch {
    return undefined;
  }
}
