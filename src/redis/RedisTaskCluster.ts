import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClusterCommand, ClusterHandlers, TaskCluster } from '../backends/TaskCluster.js';
import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import { withScripts } from './scripts.js';
import type { TaskScripts } from './scripts.js';

/** Timing of leases; defaults fail a dead instance's tasks within about 12 s. */
export interface LeaseOptions {
  /** How long a lease lasts without renewal (ms). Default 10,000. */
  leaseMs?: number;
  /** How often leases are renewed (ms). Default leaseMs / 3. */
  renewEveryMs?: number;
  /** How often expired leases are looked for (ms). Default 2,000. */
  sweepEveryMs?: number;
}

/**
 * A {@link TaskCluster} on Redis. Every task an instance runs has a lease (a sorted set scored by
 * deadline) that the instance renews; the task's hash names its runner, which fences the store
 * writes of any instance that lost the lease. Commands reach the runner on its own pub/sub channel.
 * Every instance sweeps for leases that ran out and takes those tasks over with one Lua script, so
 * exactly one survivor adopts each.
 */
export class RedisTaskCluster implements TaskCluster {
  readonly instanceId: string;
  private readonly redis: Redis & TaskScripts;
  private readonly owned = new Set<string>();
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly sweepEveryMs: number;
  private timers: ReturnType<typeof setInterval>[] = [];
  private handlers: ClusterHandlers | undefined;
  /** No takeover before this time (ms since epoch): one lease after each reconnect, see `sweep`. */
  private takeOverFrom = 0;
  private readonly onReconnect = (): void => {
    this.takeOverFrom = Date.now() + this.leaseMs;
  };

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    options: LeaseOptions = {},
    instanceId?: string,
  ) {
    this.instanceId = instanceId ?? randomBytes(8).toString('hex');
    this.redis = withScripts(redis);
    this.leaseMs = options.leaseMs ?? 10_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.sweepEveryMs = options.sweepEveryMs ?? 2_000;
  }

  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    this.redis.on('ready', this.onReconnect);
    await this.events.listen(this.keys.instance(this.instanceId), (message) => {
      let parsed: { taskId: string; command: ClusterCommand };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        // Not from an instance (anyone with Redis access can publish): a throw here, inside
        // ioredis's socket handler, would be an uncaught exception.
        return;
      }
      handlers.command(parsed.taskId, parsed.command);
    });
    this.timers = [
      setInterval(() => void this.renew().catch(() => {}), this.renewEveryMs),
      setInterval(() => void this.sweep().catch(() => {}), this.sweepEveryMs),
    ];
    for (const timer of this.timers) timer.unref?.();
  }

  async claim(taskId: string): Promise<void> {
    this.owned.add(taskId);
    await this.redis.zadd(this.keys.leases, Date.now() + this.leaseMs, taskId);
  }

  async release(taskId: string): Promise<void> {
    this.owned.delete(taskId);
    await this.redis.zrem(this.keys.leases, taskId);
  }

  async send(taskId: string, command: ClusterCommand): Promise<boolean> {
    const runner = await this.redis.hget(this.keys.task(taskId), 'runner');
    if (!runner) return false;
    const receivers = await this.redis.publish(this.keys.instance(runner), JSON.stringify({ taskId, command }));
    return receivers > 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.redis.off('ready', this.onReconnect);
    await this.events.unlisten(this.keys.instance(this.instanceId));
  }

  /** Number of leases this instance holds. */
  get leaseCount(): number {
    return this.owned.size;
  }

  private async renew(): Promise<void> {
    if (this.owned.size === 0) return;
    const ids = [...this.owned];
    const lost = await this.redis.mtaRenew(this.keys.leases, String(Date.now() + this.leaseMs), this.instanceId, this.keys.prefix, ...ids);
    for (const taskId of lost) {
      if (!this.owned.delete(taskId)) continue;
      this.handlers?.lost(taskId);
    }
  }

  private async sweep(): Promise<void> {
    // After Redis was away, every lease may have run out, those of live runners too: each runner
    // gets one lease from our reconnect to renew, or a healthy instance would lose its tasks to
    // whichever instance swept first (issue 12). A dead runner's tasks are taken a lease later.
    if (Date.now() < this.takeOverFrom) return;
    const taken = await this.redis.mtaTakeOver(
      this.keys.leases,
      String(Date.now()),
      this.instanceId,
      String(Date.now() + this.leaseMs),
      this.keys.prefix,
      '100',
    );
    for (const taskId of taken) {
      this.owned.add(taskId);
      this.handlers?.orphaned(taskId);
    }
  }
}
