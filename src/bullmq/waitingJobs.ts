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
/**
 * Deletes one field of the record only while it still holds the value read: a front may have
 * written a good entry for that task since the bad one was read, which must stay.
 */
const DROP = `if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('hdel', KEYS[1], ARGV[1]) end
return 0`;
const REGISTER_COMMAND = 'mtaRegisterWaitingJob';
const TURN_COMMAND = 'mtaWaitingJobsTurn';
const DROP_COMMAND = 'mtaDropWaitingJob';

/**
 * The pool's record of the jobs its fronts added and no worker took yet: a hash in Redis, task id →
 * tool, front and deadline, under the pool's prefix (outside every tool queue's keys, so that an
 * operator's `obliterate` of a queue leaves it). It outlives the front that added a job, so that any
 * front of the pool, a restarted one included, can find the tasks whose jobs left their queue.
 * Every call waits at most `timeoutMs` for Redis. An entry that cannot be read (not written by this
 * version of the pool: by hand, another application on the prefix, a later format) is dropped by
 * the read that finds it, with a warning: nothing could act on it, and it stayed until the hash's
 * expiry, which each new job's deadline pushes further out, read and skipped by every check.
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
    /** Where a dropped unreadable entry is reported. */
    private readonly logger: Pick<Console, 'warn'>,
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

  /** The recorded job of `taskId`, if any (an unreadable entry is dropped: none). */
  async get(taskId: string): Promise<WaitingJob | undefined> {
    const value = await this.bounded((client) => client.hget(this.key, taskId));
    if (value === null) return undefined;
    const job = parse(taskId, value);
    if (typeof job !== 'string') return job;
    // A drop that fails is left for a later read, as in all(): the entry is unreadable either way.
    await this.drop(taskId, value, job).catch(() => {});
    return undefined;
  }

  /** Every recorded job; the unreadable entries are dropped. */
  async all(): Promise<WaitingJob[]> {
    const entries = Object.entries(await this.bounded((client) => client.hgetall(this.key)));
    const jobs: WaitingJob[] = [];
    const drops: Promise<void>[] = [];
    for (const [taskId, value] of entries) {
      const job = parse(taskId, value);
      if (typeof job !== 'string') jobs.push(job);
      // A drop that failed (Redis away) is tried again by the next read that finds the entry.
      else drops.push(this.drop(taskId, value, job).catch(() => {}));
    }
    await Promise.all(drops);
    return jobs;
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

  /** Drops the unreadable entry of `taskId` (`value`, unreadable for `reason`) unless it changed since it was read. */
  private async drop(taskId: string, value: string, reason: string): Promise<void> {
    const dropped = await this.bounded((client) => client.runCommand(DROP_COMMAND, [this.key, taskId, value]));
    // Warned by the one reader that dropped it, not by each front that read it meanwhile.
    if (dropped === 1) {
      this.logger.warn(
        `mcp-task-actors: dropped the unreadable entry of task ${JSON.stringify(taskId.slice(0, 100))} from the worker pool's record of waiting jobs (${this.key}): ${reason}`,
      );
    }
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
      client.defineCommand(DROP_COMMAND, { numberOfKeys: 1, lua: DROP });
      return client;
    });
    // A client that could not be had is asked for again next time.
    defined.catch(() => {
      if (this.defined === defined) this.defined = undefined;
    });
    return (this.defined = defined);
  }
}

/** The recorded job an entry holds, or why it cannot be read. */
function parse(taskId: string, value: string): WaitingJob | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'its value is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'its value is no object';
  const { tool, front, until, reservedAt } = parsed as { tool?: unknown; front?: unknown; until?: unknown; reservedAt?: unknown };
  if (typeof tool !== 'string') return 'its tool is no string';
  if (typeof until !== 'number') return 'its deadline (until) is no number';
  const job: WaitingJob = { taskId, tool, front: typeof front === 'string' ? front : undefined, until };
  if (typeof reservedAt === 'number') job.reservedAt = reservedAt;
  return job;
}
