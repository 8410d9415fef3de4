import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterCommand, ClusterHandlers, TaskCluster } from '../backends/TaskCluster.js';
import { isTerminal } from '../types.js';
import type { TaskStatus } from '../types.js';
import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import type { RedisLiveTaskLimits } from './liveTaskLimits.js';
import type { LeaseHandoff } from './leaseHandoff.js';
import { indexLease } from './leaseIndex.js';
import { planSweep } from './planSweep.js';
import { withScripts } from './scripts.js';
import type { RedisClient, TaskScripts } from './scripts.js';
import { nextBackoff } from '../backoff.js';
import { MAX_TIMER_MS } from '../timerBounds.js';
import { Receipts } from './receipts.js';
import { StoredAnswers } from './StoredAnswers.js';
import { parseCommandMessage } from './commandMessage.js';

/**
 * How long an answer is sent again while Redis does not answer (ms): as long as the engine retries a
 * task's writes, so that an answer outlives a failover as the task's own writes do.
 */
const SEND_RETRY_MS = 60_000;

/** What one send of {@link RedisTaskCluster.send} leads to. */
type SendStep = boolean | 'again' | 'last';
/** The command of one send, and whether (an answer) it is stored for the runner, by this send or one before. */
interface Sending {
  command: ClusterCommand;
  id: string;
  stored: boolean;
}

/** Default lease length (ms). @internal */
export const DEFAULT_LEASE_MS = 10_000;

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
 * Throws the RangeError a bad {@link LeaseOptions} value gets: each a whole number of ms from 1 to
 * {@link MAX_TIMER_MS}, renewals more often than a lease lasts. Unchecked, NaN or a value past
 * MAX_TIMER_MS ran the renew and sweep timers every millisecond (Node fires such a timer after
 * 1 ms), and a renewal slower than the lease let every task be taken over.
 * @internal
 */
export function checkLeaseOptions(options: LeaseOptions): void {
  for (const name of ['leaseMs', 'renewEveryMs', 'sweepEveryMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1))
      throw new RangeError(`${name} must be a whole number of ms of at least 1, got ${String(value)}`);
    if (value !== undefined && value > MAX_TIMER_MS)
      throw new RangeError(`${name} must be at most ${MAX_TIMER_MS} ms (Node fires a longer timer after 1 ms), got ${value}`);
  }
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (options.renewEveryMs !== undefined && options.renewEveryMs >= leaseMs)
    throw new RangeError(`renewEveryMs (${options.renewEveryMs}) must be less than leaseMs (${leaseMs})`);
}

/**
 * How long a lease lasts and how often it is renewed, defaults applied: the cluster's leases, and
 * the input request holds of the queue (InputHolds.ts), which last and renew as leases do.
 * @internal
 */
export function leaseTimings(options: LeaseOptions): { leaseMs: number; renewEveryMs: number } {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  return { leaseMs, renewEveryMs: options.renewEveryMs ?? Math.max(50, Math.floor(leaseMs / 3)) };
}

/**
 * A {@link TaskCluster} on Redis or a Redis Cluster. Every task an instance runs has a lease: its
 * runner and deadline in the task's hash, renewed by the instance; the runner fences the store
 * writes of any instance that lost the lease. Commands reach the runner on its own pub/sub channel.
 * A sorted set of task ids by deadline tells every instance's sweep where to look; the takeover
 * itself is one script on the task's slot that re-checks the hash's deadline, so exactly one
 * survivor adopts each task, and the index never needs to be in the task's slot.
 */
export class RedisTaskCluster implements TaskCluster {
  readonly instanceId: string;
  private readonly redis: RedisClient & TaskScripts;
  private readonly owned = new Set<string>();
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly sweepEveryMs: number;
  private timers: ReturnType<typeof setInterval>[] = [];
  private handlers: ClusterHandlers | undefined;
  /** Aborted by `close`: ends the retries of `send` still waiting. */
  private readonly closing = new AbortController();
  /** Receipts of forwarded answers, on a Redis Cluster only (receipts.ts). */
  private readonly receipts: Receipts;
  /** No takeover before this time (ms since epoch): one lease after each reconnect, see `sweep`. */
  private takeOverFrom = 0;
  private readonly onReconnect = (): void => {
    this.takeOverFrom = Date.now() + this.leaseMs;
  };

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    options: LeaseOptions = {},
    instanceId?: string,
    /** Shared live-task limits: the slots of tasks running here are renewed with their leases. */
    private readonly limits?: RedisLiveTaskLimits,
    /** What this backend's store wrote of the leases already (leaseHandoff.ts). */
    private readonly handoff?: LeaseHandoff,
  ) {
    this.instanceId = instanceId ?? randomBytes(8).toString('hex');
    if (handoff && handoff.instanceId !== this.instanceId) throw new Error('LeaseHandoff of another instance');
    checkLeaseOptions(options);
    this.redis = withScripts(redis);
    ({ leaseMs: this.leaseMs, renewEveryMs: this.renewEveryMs } = leaseTimings(options));
    this.sweepEveryMs = options.sweepEveryMs ?? 2_000;
    this.receipts = new Receipts(this.redis, keys, this.leaseMs);
  }

  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    this.redis.on('ready', this.onReconnect);
    // On a cluster one master can fail and return alone, with no 'ready' of the whole client; its
    // runners could not renew meanwhile. Every node error pushes takeover a lease further out.
    this.redis.on('node error', this.onReconnect);
    // Timers first: renewal and sweeps run even when the subscribe below fails (Redis away just
    // now), and the subscriber sends it again when it is ready (RedisEvents). Rejecting here failed
    // every task of this instance for good, since the engine keeps the first start's outcome.
    this.timers = [
      setInterval(() => void this.renew().catch(() => {}), this.renewEveryMs),
      setInterval(() => void this.sweep().catch(() => {}), this.sweepEveryMs),
    ];
    for (const timer of this.timers) timer.unref?.();
    const listening = this.events.listen(this.keys.instance(this.instanceId), (message) => {
      // Not from an instance: a throw here, inside ioredis's socket handler, would be uncaught.
      const parsed = parseCommandMessage(message);
      if (!parsed) return;
      // An answer sent again because its receipt was not seen in time is passed on once.
      if (Receipts.isId(parsed.receipt) && !this.receipts.received(parsed.taskId, parsed.receipt)) return;
      // And once only if its stored copy was taken here too (StoredAnswers.ts).
      const id = parsed.receipt ?? parsed.id;
      if (Receipts.isId(id) && !this.events.answers.first(parsed.taskId, id)) return;
      handlers.command(parsed.taskId, parsed.command);
    });
    this.events.answers.handle((taskId, command) => handlers.command(taskId, command), this.leaseMs);
    await listening.catch(() => {});
  }

  async claim(taskId: string, options?: { lease: false; until: number }): Promise<void> {
    if (options) {
      // A worker pool's job: the queue's lock is its liveness, so no lease index entry, no renewal.
      await this.redis.mtaClaim(this.keys.task(taskId), this.instanceId, String(options.until));
      return;
    }
    // Written with the record by this backend's store, the index entry first (leaseIndex.ts).
    if (this.handoff?.takeLease(taskId) !== undefined) return void this.owned.add(taskId);
    const deadline = Date.now() + this.leaseMs;
    // Before the lease: a lease without an index entry is a task no sweep finds if we die now.
    // Owned after it: a renewal meanwhile would find the hash not ours yet and drop the task.
    await indexLease(this.redis, this.keys.leases, taskId, deadline, this.leaseMs);
    this.owned.add(taskId);
    try {
      await this.redis.mtaClaim(this.keys.task(taskId), this.instanceId, String(deadline));
    } catch (error) {
      // No lease in the hash: nothing here may renew one for a task this instance does not run.
      this.owned.delete(taskId);
      throw error;
    }
    // A shared-limit slot admitted without a lease (its record named no runner here) lasts until
    // the task's expiry: from now on the lease keeps it, so it lapses one lease after this instance
    // stops renewing, as the slots of tasks created with their lease do. Not awaited: renewals write it again.
    this.limits?.renew([taskId], deadline).catch(() => {});
  }

  relinquish(taskId: string): void {
    // Left in the lease index: once its deadline passes unrenewed, a sweep takes it over again.
    this.owned.delete(taskId);
  }

  async release(taskId: string): Promise<void> {
    this.owned.delete(taskId);
    // Dropped from the index by the settle script already (one Redis).
    if (this.handoff?.takeDropped(taskId)) return;
    // Not waited for: an entry left behind (the index's master stalled or away) is dropped by the
    // next sweep that finds its task ended, and the task's retirement waited for this meanwhile.
    this.redis.zrem(this.keys.leases, taskId).catch(() => {});
  }

  async tell(instanceId: string, taskId: string, command: ClusterCommand): Promise<void> {
    await this.redis.publish(this.keys.instance(instanceId), JSON.stringify({ taskId, command }));
  }

  /**
   * A message nobody received (the runner's subscriber reconnecting) is sent again, backing off,
   * while the task runs and its runner's lease is live, for at most a lease. An answer nobody
   * received is also stored, and its runner takes it a lease later, subscribed or not
   * (StoredAnswers.ts): stored for a live runner, it counts as sent. A cancel is sent once the task
   * is stored `cancelled`, so it is not retried (the runner's renewal finds the stored end).
   *
   * On one Redis PUBLISH's count says who received it. On a cluster it counts only the subscribers
   * of the node it ran on, while the message reaches every node: an answer there is always stored,
   * and sent again until the runner's receipt is found (receipts.ts). A cancel on a cluster counts
   * as sent while the runner's lease is live, as a runner subscribed elsewhere got it.
   */
  async send(taskId: string, command: ClusterCommand): Promise<boolean> {
    // An answer's id: its receipt on a cluster, else passed on once with its stored copy (StoredAnswers.ts).
    const id = command.type === 'answer' ? Receipts.newId() : undefined;
    const receipt = this.redis.isCluster ? id : undefined;
    const message = JSON.stringify({ taskId, command, receipt, id: receipt === undefined ? id : undefined });
    const started = Date.now();
    /** When the first send went out: the lease's worth of sends again counts from it. */
    let sentAt: number | undefined;
    const state: Sending = { command, id: id ?? '', stored: false };
    for (let delay = 0; ;) {
      let step: SendStep = 'again';
      try {
        step = await this.sendOnce(taskId, message, receipt, sentAt ?? Date.now(), state);
        sentAt ??= Date.now();
      } catch (error) {
        // The task's slot is not served just now (its master failing over to a replica, a
        // CLUSTERDOWN, Redis away): an answer not stored yet lives only in this message, so it is
        // sent again, backing off, for as long as the engine retries a task's writes (one stored is
        // the runner's). Dropping it left the work waiting, the task input_required until its ttl.
        if (state.stored) return true;
        if (command.type !== 'answer' || Date.now() - started >= Math.max(this.leaseMs, SEND_RETRY_MS)) throw error;
      }
      if (typeof step === 'boolean') return step;
      delay = nextBackoff(delay, 25, 500);
      const waited = await sleep(delay, true, { signal: this.closing.signal, ref: false }).catch(() => false);
      if (!waited) return state.stored;
      // Each send is looked for once before the next: a receipt of any of them is a delivery. One
      // that cannot be looked for now is sent again.
      if (receipt !== undefined && sentAt !== undefined && (await this.receipts.taken(taskId, receipt).catch(() => false))) return true;
      if (step === 'last') return false;
    }
  }

  /**
   * One send of `message`: delivered (true), never to be (false), to send again after a pause
   * (`again`), or given up unless a receipt is found after the pause (`last`). Throws when Redis
   * did not answer.
   */
  private async sendOnce(taskId: string, message: string, receipt: string | undefined, sentAt: number, state: Sending): Promise<SendStep> {
    const sent = await StoredAnswers.send(this.redis, this.keys, taskId, message, state.command, state.id, state.stored);
    if (sent.kind === 'no runner') return false;
    // The runner took the stored copy, or answered the request, or its requests were dropped.
    if (sent.kind === 'taken') return true;
    if (sent.stored) state.stored = true;
    // Exact where it is not 0: only the runner subscribes to its channel.
    if (sent.receivers > 0) return true;
    const live = Number(sent.leaseUntil) > Date.now();
    const over = sent.status === '' || isTerminal(sent.status as TaskStatus);
    // A cancel, or an answer to a task already over (nothing waits for it: the runner, subscribed on
    // another node, only warns): on a cluster the live lease is the answer, as before receipts.
    if (this.redis.isCluster && (receipt === undefined || over)) return live;
    if (live && !over && Date.now() - sentAt < this.leaseMs) return 'again';
    // Stored for a runner that still holds its lease: its next look takes it.
    if (state.stored && live && !over) return true;
    // Without a receipt to wait for, a message nobody received is lost now.
    return receipt === undefined ? false : 'last';
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.redis.off('ready', this.onReconnect);
    this.redis.off('node error', this.onReconnect);
    this.events.answers.handle(undefined);
    await this.events.unlisten(this.keys.instance(this.instanceId));
  }

  /** Number of leases this instance holds. */
  get leaseCount(): number {
    return this.owned.size;
  }

  private async renew(): Promise<void> {
    if (this.owned.size === 0) return;
    const ids = [...this.owned];
    const deadline = Date.now() + this.leaseMs;
    // One script per task (each on its own slot), sent together; then one index update. A task
    // whose slot is unreachable keeps its old deadline and is renewed on the next round.
    const renewed = await Promise.allSettled(
      ids.map((id) => this.redis.mtaRenew(this.keys.task(id), this.instanceId, String(deadline), this.keys.events, `t ${id}`)),
    );
    const kept: (string | number)[] = [];
    renewed.forEach((outcome, i) => {
      const taskId = ids[i]!;
      if (outcome.status === 'rejected') return;
      const { value } = outcome;
      if (value === 1) kept.push(deadline, taskId);
      else if (!this.owned.delete(taskId)) return;
      else if (typeof value === 'number') this.handlers?.lost(taskId);
      // Ended by another instance (a cancel whose command was lost): stop the work as that command
      // would have, within a renewal; the actor's own settle is refused and reports the stored end.
      else this.handlers?.command(taskId, { type: 'cancel', reason: value[1] || `The task ended ${value[0]} on another instance` });
    });
    if (kept.length === 0) return;
    await Promise.all([
      this.redis.zadd(this.keys.leases, ...kept),
      this.limits?.renew(kept.filter((_, i) => i % 2 === 1).map(String), deadline),
    ]);
  }

  private async sweep(): Promise<void> {
    // After Redis was away, every lease may have run out, those of live runners too: each runner
    // gets one lease from our reconnect to renew, or a healthy instance would lose its tasks to
    // whichever instance swept first (issue 12). A dead runner's tasks are taken a lease later.
    if (Date.now() < this.takeOverFrom) return;
    const now = Date.now();
    const due = await this.redis.zrangebyscore(this.keys.leases, '-inf', now, 'LIMIT', 0, 100);
    const deadline = now + this.leaseMs;
    const results = await Promise.allSettled(
      due.map((id) => this.redis.mtaTakeOver(this.keys.task(id), String(now), this.instanceId, String(deadline))),
    );
    const { taken, gone, index } = planSweep(due, results, deadline);
    // Counted again before the engine adopts them, so a re-run counts against the shared limits.
    if (this.limits) await Promise.allSettled(taken.map((id) => this.readmit(id)));
    // Adopted before the index is touched: the hashes already name us, whatever the index does.
    for (const taskId of taken) {
      this.owned.add(taskId);
      this.handlers?.orphaned(taskId);
    }
    await Promise.all([
      gone.length > 0 ? this.redis.zrem(this.keys.leases, ...gone) : undefined,
      index.length > 0 ? this.redis.zadd(this.keys.leases, ...index) : undefined,
    ]);
  }

  private async readmit(taskId: string): Promise<void> {
    const owner = await this.redis.hget(this.keys.task(taskId), 'owner');
    if (owner !== null) await this.limits?.readmit(taskId, owner);
  }
}
