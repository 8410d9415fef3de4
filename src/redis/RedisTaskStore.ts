import type { Redis } from 'ioredis';
import { isoString, isoTime } from '../isoTime.js';
import { randomBytes } from 'node:crypto';
import { decodeCursor, encodeCursor } from '../backends/cursor.js';
import type { EndedTask, TaskStore, WaitOptions } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord, TaskStatus, TerminalTaskStatus } from '../types.js';
import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import { withScripts } from './scripts.js';
import type { RedisClient, TaskScripts } from './scripts.js';
import { guarded } from './unavailable.js';
import type { RedisLiveTaskLimits } from './liveTaskLimits.js';
import type { LeaseHandoff } from './leaseHandoff.js';
import { SettledHere } from './settledHere.js';
import { CreatedHere } from './createdHere.js';
import { GroupCommit } from './groupCommit.js';
import { indexLease } from './leaseIndex.js';
import { noHashOnWrongType, pairs, readRecord, toRecord, unreadable } from './taskRecord.js';
import { DEFAULT_MAX_STATUS_MESSAGE_LENGTH, cutStatusMessage } from '../backends/statusMessageLimit.js';

/**
 * A {@link TaskStore} in Redis or a Redis Cluster: each task a hash that expires at the end of its
 * ttl (Redis `PEXPIREAT`), its outcome beside it on the same slot, one sorted set of task ids per
 * owner (on the owner's slot) for `list`. Status changes are Lua scripts on the task's slot, atomic
 * across instances; settling publishes on the events channel, which is what wakes `tasks/result`
 * on every instance. No call spans two slots: `create` and `delete` are one step per slot.
 */
export class RedisTaskStore implements TaskStore {
  private readonly redis: RedisClient & TaskScripts;
  /** One Redis: the creates and settles of one busy turn go as one script call (groupCommit.ts). */
  private readonly group: GroupCommit | undefined;
  /** Tasks this instance settled lately: their `tasks/result` reads need no round trip. */
  private readonly settledHere = new SettledHere();
  /** Tasks this instance created and has not settled: their settles need only the runner back. */
  private readonly createdHere = new CreatedHere();
  /**
   * Settles this instance has sent and not yet seen answered. Work that returns at once is often
   * still settling when its `tasks/result` reads the record: that read waits for the settle's own
   * answer (the record it wrote, atomically) instead of a round trip of its own.
   */
  private readonly settling = new Map<string, Promise<TaskRecord | undefined>>();
  /**
   * This object's id and call count on every update: the update script refuses a call older than
   * the last one of this object it stored (an update that ran after its deadline, after newer
   * ones; scripts.ts `ORDER`). One count for all tasks: no per-task state to forget.
   */
  private readonly writer = randomBytes(6).toString('hex');
  private writeSeq = 0;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    /** Live-task limits shared by all instances: admitted in `create`, released at settle or delete. */
    private readonly limits?: RedisLiveTaskLimits,
    /** The backend cluster's leases: written with the record, dropped at settle (leaseHandoff.ts). */
    private readonly leases?: LeaseHandoff,
    /** Longest `statusMessage` stored (UTF-16 code units, validated by the caller); longer ones are cut. */
    private readonly maxStatusMessageLength: number = DEFAULT_MAX_STATUS_MESSAGE_LENGTH,
  ) {
    this.redis = withScripts(redis);
    // `oneRedis`: the backend's command client is one Redis, not a Cluster (index.ts).
    this.group = leases?.oneRedis ? new GroupCommit(this.redis as Redis & TaskScripts) : undefined;
  }

  async create(record: TaskRecord): Promise<void> {
    const statusMessage = cutStatusMessage(record.statusMessage, this.maxStatusMessageLength);
    if (statusMessage !== record.statusMessage) record = { ...record, statusMessage };
    // First, so that concurrent creations on any instance cannot overshoot; a refusal is an
    // McpError for the client, passed through unchanged by `guarded` and the store guard.
    if (this.limits) {
      // A task no lease of this backend covers (a worker pool's, a store without the cluster): no renewal keeps
      // its slot, so it lasts until the task's expiry (or settle, delete, `releaseSlot`), not one lease.
      const leased = this.leases !== undefined && record.runner === this.leases.instanceId;
      const until = leased ? undefined : isoTime(record.createdAt) + record.ttl;
      await guarded('create', () => this.limits!.admit(record.taskId, record.owner, until));
    }
    try {
      await this.write(record);
      // Only tasks run here: one a worker or another instance runs is settled there.
      if (this.leases ? record.runner === this.leases.instanceId : record.runner === undefined) this.createdHere.remember(record);
    } catch (error) {
      await this.limits?.release(record.taskId).catch(() => {});
      throw error;
    }
  }

  private async write(record: TaskRecord): Promise<void> {
    await guarded('create', async () => {
      const expiresAt = isoTime(record.createdAt) + record.ttl;
      const key = this.keys.task(record.taskId);
      // A task this instance runs gets its lease now, not in a claim of its own (one round trip less).
      const lease = this.leases && record.runner === this.leases.instanceId ? Date.now() + this.leases.leaseMs : undefined;
      if (this.group) {
        // One Redis: hash, owner index and lease index in one script (four round trips before).
        // The fields every record has go by position (scripts.ts CREATE).
        const args = [
          record.taskId,
          String(expiresAt),
          lease === undefined ? '' : String(lease),
          record.owner,
          record.status,
          record.createdAt,
          record.lastUpdatedAt,
          String(record.ttl),
          String(record.pollInterval),
        ];
        if (record.statusMessage !== undefined) args.push('statusMessage', record.statusMessage);
        if (record.runner !== undefined) args.push('runner', record.runner);
        if (record.restart !== undefined) args.push('restart', JSON.stringify(record.restart));
        if (lease !== undefined) args.push('leaseUntil', String(lease));
        await this.group.create([this.keys.owner(record.owner), this.keys.ownerSeq(record.owner), key, this.keys.leases], args);
        if (lease !== undefined) this.leases?.wroteLease(record.taskId, lease);
        return;
      }
      const fields: Record<string, string> = {
        taskId: record.taskId,
        owner: record.owner,
        status: record.status,
        createdAt: record.createdAt,
        lastUpdatedAt: record.lastUpdatedAt,
        ttl: String(record.ttl),
        pollInterval: String(record.pollInterval),
      };
      if (record.statusMessage !== undefined) fields['statusMessage'] = record.statusMessage;
      if (record.runner !== undefined) fields['runner'] = record.runner;
      if (record.restart !== undefined) fields['restart'] = JSON.stringify(record.restart);
      // The lease index entry before the lease (leaseIndex.ts): survivors find a dead runner's tasks there only.
      if (lease !== undefined) await indexLease(this.redis, this.keys.leases, record.taskId, lease, this.leases!.leaseMs);
      if (lease !== undefined) fields['leaseUntil'] = String(lease);
      // The hash, then the owner index (two slots): a `list` in between does not see the task yet,
      // rather than an entry without a hash it would drop as expired. Ids are 128 random bits: no collision.
      await this.redis.multi().hset(key, fields).pexpireat(key, expiresAt).exec().then(failedStep);
      await this.redis.mtaIndex(this.keys.owner(record.owner), this.keys.ownerSeq(record.owner), record.taskId, String(expiresAt));
      if (lease !== undefined) this.leases!.wroteLease(record.taskId, lease);
    });
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const pending = this.settling.get(taskId);
    // A settle that failed or found no task leaves the answer to Redis.
    if (pending) await pending.catch(() => undefined);
    const settled = this.settledHere.read(taskId);
    if (settled) return { ...settled.record };
    return guarded('get', async () => readRecord(taskId, await this.redis.hgetall(this.keys.task(taskId))));
  }

  async update(
    taskId: string,
    status: 'working' | 'input_required',
    statusMessage?: string,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    // Numbered when called, not when sent: the engine calls in the order it decided the writes.
    const seq = String(++this.writeSeq);
    return guarded('update', async () => {
      const now = isoString();
      const message = cutStatusMessage(statusMessage, this.maxStatusMessageLength);
      const hash = await this.redis.mtaUpdate(this.keys.task(taskId), ...statusArgs(status, message, now, runner), this.writer, seq);
      return hash ? toRecord(pairs(hash)) : undefined;
    });
  }

  async settle(
    taskId: string,
    status: TerminalTaskStatus,
    statusMessage: string | undefined,
    outcome: TaskOutcome,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    const message = cutStatusMessage(statusMessage, this.maxStatusMessageLength);
    const settling = this.writeSettle(taskId, status, message, outcome, runner);
    this.settling.set(taskId, settling);
    try {
      return await settling;
    } finally {
      if (this.settling.get(taskId) === settling) this.settling.delete(taskId);
    }
  }

  private writeSettle(
    taskId: string,
    status: TerminalTaskStatus,
    statusMessage: string | undefined,
    outcome: TaskOutcome,
    runner: string | undefined,
  ): Promise<TaskRecord | undefined> {
    return guarded('settle', async () => {
      const encoded = JSON.stringify(outcome);
      const now = isoString();
      // Created here: the script answers with the runner only, the outcome gets the hash's expiry (scripts.ts).
      const created = this.createdHere.take(taskId);
      const args = [...statusArgs(status, statusMessage, now, runner), encoded, this.keys.events, taskId];
      if (created) args.push('1', String(isoTime(created.createdAt) + created.ttl));
      else args.push('0', '');
      const task = this.keys.task(taskId);
      const group = this.group; // One Redis: the lease index entry goes in the same step.
      let reply: string[] | string | null;
      try {
        reply = group
          ? await group.settle([task, this.keys.outcome(taskId), this.keys.leases], args)
          : await this.redis.mtaSettle(task, this.keys.outcome(taskId), ...args);
      } catch (error) {
        // Not answered: the engine's retry may send it again, as short.
        if (created) this.createdHere.remember(created);
        throw error;
      }
      if (reply === null) return undefined;
      if (group && this.leases && runner === this.leases.instanceId) this.leases.droppedFromIndex(taskId);
      const record =
        created && typeof reply === 'string'
          ? CreatedHere.settled(created, status, statusMessage, now, reply)
          : toRecord(pairs(Array.isArray(reply) ? reply : []));
      if (record) {
        this.settledHere.remember(record, encoded);
        // Waiters here are woken now; the published event reaches the other instances.
        this.events.terminal.wake(taskId);
      }
      // The task ended: its slot goes back. Failed, it lapses one lease after its runner's last renewal.
      await this.limits?.release(taskId).catch(() => {});
      return record;
    });
  }

  /**
   * The record and outcome of a task this instance settled lately, without a round trip or a
   * promise, and forgotten then, as `getOutcome` forgets them (the outcome is the last thing a
   * `tasks/result` reads); undefined while its settle is still under way, or once it is not held
   * here. Read only as the backend's own store (ownStores.ts).
   * @internal
   */
  peekEnded(taskId: string): EndedTask | undefined {
    if (this.settling.has(taskId)) return undefined;
    const settled = this.settledHere.take(taskId);
    return settled && { record: settled.record, outcome: JSON.parse(settled.outcome) as TaskOutcome };
  }

  async getOutcome(taskId: string): Promise<TaskOutcome | undefined> {
    // Read once from what this instance settled (usually by the tasks/result that answers it).
    const settled = this.settledHere.take(taskId);
    if (settled) return JSON.parse(settled.outcome) as TaskOutcome;
    return guarded('getOutcome', async () => {
      const raw = await this.redis.get(this.keys.outcome(taskId));
      return raw === null ? undefined : (JSON.parse(raw) as TaskOutcome);
    });
  }

  async list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const after = cursor === undefined ? 0 : decodeCursor(cursor);
    return guarded('list', async () => {
      const ownerKey = this.keys.owner(owner);
      const tasks: TaskRecord[] = [];
      let from = after;
      for (;;) {
        const ids = await this.redis.zrangebyscore(ownerKey, `(${from}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1);
        if (ids.length === 0) return { tasks };
        const batch: { id: string; seq: number }[] = [];
        for (let i = 0; i < ids.length; i += 2) batch.push({ id: ids[i]!, seq: Number(ids[i + 1]) });
        // One read per task, sent together: the tasks are on many slots (nodes of a cluster).
        const hashes = await Promise.all(batch.map(({ id }) => this.redis.hgetall(this.keys.task(id)).catch(noHashOnWrongType)));
        const gone: string[] = [];
        for (let i = 0; i < batch.length; i++) {
          const record = toRecord(hashes[i] ?? {});
          if (!record) {
            gone.push(batch[i]!.id);
            continue;
          }
          // Not written as this library writes it: left for an operator, and the owner's other tasks listed.
          if (unreadable(record)) {
            from = batch[i]!.seq;
            continue;
          }
          if (tasks.length === limit) return { tasks, nextCursor: encodeCursor(from) };
          tasks.push(record);
          from = batch[i]!.seq;
        }
        // Expired tasks leave their index entry behind: drop it and read on.
        if (gone.length > 0) await this.redis.zrem(ownerKey, ...gone);
        if (batch.length <= limit) return { tasks };
        from = Math.max(from, batch[batch.length - 1]!.seq);
      }
    });
  }

  /** Gives the task's shared live-task slot back (idempotent; TaskRecordStore `releaseSlot`). */
  async releaseSlot(taskId: string): Promise<void> {
    await this.limits?.release(taskId);
  }

  async delete(taskId: string): Promise<void> {
    this.settledHere.forget(taskId);
    this.createdHere.forget(taskId);
    // A create undone after its timeout (storeGuard) wrote a lease the cluster never claimed: forgotten here.
    this.leases?.takeDropped(taskId);
    await guarded('delete', async () => {
      const owner = await this.redis.hget(this.keys.task(taskId), 'owner');
      // Three slots (the task's, the lease index's, the owner's): one step each, all at once.
      await Promise.all([
        this.redis
          .multi()
          .del(this.keys.task(taskId), this.keys.outcome(taskId))
          .publish(this.keys.events, `t ${taskId}`)
          .exec()
          .then(failedStep),
        this.redis.zrem(this.keys.leases, taskId),
        owner === null ? undefined : this.redis.zrem(this.keys.owner(owner), taskId),
        this.limits?.release(taskId),
      ]);
    });
  }

  async waitForTerminal(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    // Armed before looking, so a settle published in between still wakes us.
    const woken = this.events.terminal.wait(taskId, signal);
    // Settled here lately: terminal for good, no need to ask Redis.
    if (this.settledHere.read(taskId)) return;
    // The caller reads the record itself after arming this wait: a round trip less per wait.
    if (options?.listenOnly) return woken;
    const status = await guarded('status', () => this.redis.hget(this.keys.task(taskId), 'status'));
    if (status === null || isTerminal(status as TaskStatus)) return;
    await woken;
  }
}

function statusArgs(status: TaskStatus, statusMessage: string | undefined, now: string, runner: string | undefined): string[] {
  return [status, statusMessage === undefined ? '0' : '1', statusMessage ?? '', now, runner ?? ''];
}

/** A MULTI's replies carry per-command errors instead of rejecting: raise the first. */
function failedStep(replies: [Error | null, unknown][] | null): void {
  for (const [error] of replies ?? []) if (error) throw error;
}
