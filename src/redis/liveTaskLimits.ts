import { limitExceeded } from '../errors.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './scripts.js';
import { defineScripts } from './leanScript.js';

/** The live-task limits every instance on one Redis shares (see {@link RedisLiveTaskLimits}). */
export interface SharedLiveTaskLimits {
  /** Tasks not yet terminal on all instances together. Default: no shared limit. */
  maxLiveTasks?: number;
  /** Tasks not yet terminal per caller on all instances together. Default: no shared limit. */
  maxLiveTasksPerCaller?: number;
}

// One slot holds the whole count (`{limits}` tag), so one script admits against both limits at once.
// A slot's score is its holder's lease deadline: a holder that dies stops renewing, and the next
// admission returns its slots. `live` ZSET task id → deadline; `owners` HASH task id → owner;
// `counts` HASH owner → live tasks. ARGV[1] (now) of ADMIT is the cutoff: '-inf' returns none.
// `count(owner)`: a count that is no whole number (not written here: an operator's HSET, another
// program) is counted again from `owners` and stored. Before, the Lua error it raised refused every
// creation of that owner on every instance, for good, and every release of one of its slots.
const RELEASE_ONE = `
local function count(owner)
  local v = redis.call('HGET', KEYS[3], owner)
  if not v then return 0 end
  if string.match(v, '^%d+$') and #v < 16 then return tonumber(v) end
  local n = 0
  local all = redis.call('HGETALL', KEYS[2])
  for i = 2, #all, 2 do if all[i] == owner then n = n + 1 end end
  redis.call('HSET', KEYS[3], owner, n)
  return n
end
local function release(id)
  if redis.call('ZREM', KEYS[1], id) == 0 then return end
  local owner = redis.call('HGET', KEYS[2], id)
  if owner then count(owner) end
  redis.call('HDEL', KEYS[2], id)
  if owner and redis.call('HINCRBY', KEYS[3], owner, -1) <= 0 then redis.call('HDEL', KEYS[3], owner) end
end`;

/**
 * KEYS: live, owners, counts. ARGV: now, deadline, task id, owner, maxLive, maxPerCaller (-1: none).
 * Returns 0 admitted, 1 over maxLive, 2 over maxPerCaller. Slots past their deadline go first.
 */
const ADMIT = `${RELEASE_ONE}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)) do release(id) end
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
local maxLive = tonumber(ARGV[5])
if maxLive >= 0 and redis.call('ZCARD', KEYS[1]) >= maxLive then return 1 end
local maxMine = tonumber(ARGV[6])
if count(ARGV[4]) >= maxMine and maxMine >= 0 then return 2 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
return 0`;

/** How long a failed release is tried again (ms), and the pauses between tries. */
const RELEASE_RETRY_MS = 60_000;
const RELEASE_FIRST_DELAY_MS = 50;
const RELEASE_MAX_DELAY_MS = 500;

/** KEYS: live, owners, counts. ARGV: task id. */
const RELEASE = `${RELEASE_ONE}
release(ARGV[1])
return 0`;

interface LimitScripts {
  mtaLimitAdmit(live: string, owners: string, counts: string, ...args: string[]): Promise<number>;
  mtaLimitRelease(live: string, owners: string, counts: string, taskId: string): Promise<number>;
}

/**
 * Live-task limits counted in Redis, so N instances behind a load balancer admit what one would:
 * the store admits a task in `create` (before its record exists, so concurrent creations cannot
 * overshoot) and releases it when the task settles or is deleted; the cluster's lease renewal keeps
 * the slots of running tasks alive. An instance that dies without releasing stops renewing: its
 * slots return one lease after its last renewal (or after this instance's last reconnect, the same
 * grace the cluster gives leases). Refusals are the same -32029 errors as the
 * per-process limits, with "on all server instances" in the message.
 * @internal
 */
export class RedisLiveTaskLimits {
  private readonly redis: RedisClient & LimitScripts;
  private readonly maxLive: number;
  private readonly maxPerCaller: number;
  /**
   * No slot is returned before this time (ms since epoch): one lease after each reconnect. After
   * Redis was away every deadline may have passed, those of tasks still running too, and renewal
   * (`ZADD XX`) cannot put back a slot once returned; their runners get a lease to renew first,
   * as `RedisTaskCluster` gives them before taking a lease over.
   */
  private releaseFrom = 0;
  private readonly onReconnect = (): void => {
    this.releaseFrom = Date.now() + this.leaseMs;
  };

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    limits: SharedLiveTaskLimits,
    /** How long a slot lives without renewal (ms): the backend's lease. */
    private readonly leaseMs: number,
  ) {
    this.maxLive = checked('maxLiveTasks', limits.maxLiveTasks);
    this.maxPerCaller = checked('maxLiveTasksPerCaller', limits.maxLiveTasksPerCaller);
    defineScripts(redis, {
      mtaLimitAdmit: { numberOfKeys: 3, lua: ADMIT },
      mtaLimitRelease: { numberOfKeys: 3, lua: RELEASE },
    });
    this.redis = redis as RedisClient & LimitScripts;
    // Listeners live as long as the client (the backend closes both); 'node error': a cluster
    // master that failed and returned alone brings no 'ready' of the whole client.
    redis.on('ready', this.onReconnect);
    redis.on('node error', this.onReconnect);
  }

  /**
   * Takes a slot for the task or throws the -32029 limit error. `until`: the slot's deadline when no
   * lease will renew it (ms since epoch, the task's expiry); without it, one lease from now.
   */
  async admit(taskId: string, owner: string, until?: number): Promise<void> {
    const now = Date.now();
    let refused: number;
    try {
      refused = await this.redis.mtaLimitAdmit(
        ...this.limitKeys(),
        this.cutoff(now),
        String(until ?? now + this.leaseMs),
        taskId,
        owner,
        String(this.maxLive),
        String(this.maxPerCaller),
      );
    } catch (error) {
      // Unanswered is not refused: the script may have run (its reply lost, a command timeout) and
      // taken a slot for a task whose creation now fails, until the slot's deadline (the task's
      // expiry when no lease renews it). Given back, retried in the background as any release.
      this.release(taskId).catch(() => {});
      throw error;
    }
    if (refused === 1) {
      throw limitExceeded(`Too many live tasks on all server instances (maxLiveTasks ${this.maxLive}); try again later`, {
        limit: 'maxLiveTasks',
        max: this.maxLive,
      });
    }
    if (refused === 2) {
      throw limitExceeded(
        `Too many live tasks for this caller on all server instances (maxLiveTasksPerCaller ${this.maxPerCaller}); wait for one to finish or cancel one`,
        { limit: 'maxLiveTasksPerCaller', max: this.maxPerCaller },
      );
    }
  }

  /**
   * Counts a task taken over from a dead instance again, without a check (it was admitted once; its
   * slot may have lapsed with the dead runner's lease). Settling it gives the slot back as usual.
   */
  async readmit(taskId: string, owner: string): Promise<void> {
    const now = Date.now();
    await this.redis.mtaLimitAdmit(...this.limitKeys(), this.cutoff(now), String(now + this.leaseMs), taskId, owner, '-1', '-1');
  }

  /**
   * Returns the task's slot (idempotent). A release that fails (Redis away) rejects and is tried
   * again in the background, for up to a minute: a slot no lease renews lasts until its task's
   * expiry (see `RedisTaskStore.create`), so an unrepaired release held it that long.
   */
  async release(taskId: string): Promise<void> {
    try {
      await this.releaseOnce(taskId);
    } catch (error) {
      this.releaseLater(taskId, Date.now() + RELEASE_RETRY_MS, RELEASE_FIRST_DELAY_MS);
      throw error;
    }
  }

  private releaseOnce(taskId: string): Promise<number> {
    return this.redis.mtaLimitRelease(...this.limitKeys(), taskId);
  }

  /** Tries the release again after `delay` ms, doubling up to 500 ms, until it lands or `giveUpAt`. */
  private releaseLater(taskId: string, giveUpAt: number, delay: number): void {
    // Unref'd: a retry must not keep a process alive that is otherwise done.
    setTimeout(() => {
      // Not once the backend closed its client (status 'end'): every try would fail at once, for a minute.
      if (this.redis.status === 'end') return;
      this.releaseOnce(taskId).catch(() => {
        if (Date.now() < giveUpAt) this.releaseLater(taskId, giveUpAt, Math.min(delay * 2, RELEASE_MAX_DELAY_MS));
      });
    }, delay).unref();
  }

  /** Moves the deadline of the slots of tasks still running here (those not held are left out). */
  async renew(taskIds: readonly string[], deadline: number): Promise<void> {
    if (taskIds.length === 0) return;
    await this.redis.zadd(this.keys.limitsLive, 'XX', ...taskIds.flatMap((id) => [deadline, id]));
  }

  /** Slots with a deadline up to this are returned by an admission: none within the reconnect grace. */
  private cutoff(now: number): string {
    return now < this.releaseFrom ? '-inf' : String(now);
  }

  private limitKeys(): [string, string, string] {
    return [this.keys.limitsLive, this.keys.limitsOwners, this.keys.limitsCounts];
  }
}

/**
 * Throws the RangeError a bad {@link SharedLiveTaskLimits} gets, before anything is connected: thrown
 * after the backend's clients connected, it left them open and reconnecting, with no handle to close.
 * @internal
 */
export function checkSharedLiveTaskLimits(limits: SharedLiveTaskLimits): void {
  checked('maxLiveTasks', limits.maxLiveTasks);
  checked('maxLiveTasksPerCaller', limits.maxLiveTasksPerCaller);
}

function checked(name: string, value: number | undefined): number {
  if (value === undefined || value === Infinity) return -1;
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a whole number of at least 1 (or Infinity), got ${String(value)}`);
  return value;
}
