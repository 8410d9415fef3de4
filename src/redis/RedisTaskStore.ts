import type { Redis } from 'ioredis';
import { decodeCursor, encodeCursor } from '../backends/cursor.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord, TaskStatus, TerminalTaskStatus } from '../types.js';
import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import { withScripts } from './scripts.js';
import type { TaskScripts } from './scripts.js';
import { guarded } from './unavailable.js';

/**
 * A {@link TaskStore} in Redis: each task a hash that expires at the end of its ttl (Redis
 * `PEXPIREAT`), its outcome beside it, one sorted set per owner for `list`. Status changes are Lua
 * scripts, atomic across instances; settling publishes on the events channel, which is what wakes
 * `tasks/result` on every instance.
 */
export class RedisTaskStore implements TaskStore {
  private readonly redis: Redis & TaskScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {
    this.redis = withScripts(redis);
  }

  async create(record: TaskRecord): Promise<void> {
    await guarded('create', async () => {
      const expiresAt = Date.parse(record.createdAt) + record.ttl;
      const key = this.keys.task(record.taskId);
      const seq = await this.redis.incr(this.keys.seq);
      const fields: Record<string, string> = {
        taskId: record.taskId,
        owner: record.owner,
        status: record.status,
        createdAt: record.createdAt,
        lastUpdatedAt: record.lastUpdatedAt,
        ttl: String(record.ttl),
        pollInterval: String(record.pollInterval),
        seq: String(seq),
      };
      if (record.statusMessage !== undefined) fields['statusMessage'] = record.statusMessage;
      if (record.runner !== undefined) fields['runner'] = record.runner;
      if (record.restart !== undefined) fields['restart'] = JSON.stringify(record.restart);
      const ownerKey = this.keys.owner(record.owner);
      // Ids are 128 random bits: a collision is not a case to handle.
      await this.redis
        .multi()
        .hset(key, fields)
        .pexpireat(key, expiresAt)
        .zadd(ownerKey, seq, record.taskId)
        .pexpireat(ownerKey, expiresAt, 'GT')
        .pexpireat(ownerKey, expiresAt, 'NX')
        .exec();
    });
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return guarded('get', async () => toRecord(await this.redis.hgetall(this.keys.task(taskId))));
  }

  async update(
    taskId: string,
    status: 'working' | 'input_required',
    statusMessage?: string,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    return guarded('update', async () => {
      const hash = await this.redis.mtaUpdate(this.keys.task(taskId), ...statusArgs(status, statusMessage, runner));
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
    return guarded('settle', async () => {
      const hash = await this.redis.mtaSettle(
        this.keys.task(taskId),
        this.keys.outcome(taskId),
        this.keys.leases,
        this.keys.events,
        ...statusArgs(status, statusMessage, runner),
        JSON.stringify(outcome),
        taskId,
      );
      return hash ? toRecord(pairs(hash)) : undefined;
    });
  }

  async getOutcome(taskId: string): Promise<TaskOutcome | undefined> {
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
        const pipeline = this.redis.pipeline();
        for (const { id } of batch) pipeline.hgetall(this.keys.task(id));
        const hashes = (await pipeline.exec()) ?? [];
        const gone: string[] = [];
        for (let i = 0; i < batch.length; i++) {
          const record = toRecord((hashes[i]?.[1] ?? {}) as Record<string, string>);
          if (!record) {
            gone.push(batch[i]!.id);
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

  async delete(taskId: string): Promise<void> {
    await guarded('delete', async () => {
      const owner = await this.redis.hget(this.keys.task(taskId), 'owner');
      const multi = this.redis
        .multi()
        .del(this.keys.task(taskId), this.keys.outcome(taskId))
        .zrem(this.keys.leases, taskId)
        .publish(this.keys.events, `t ${taskId}`);
      if (owner !== null) multi.zrem(this.keys.owner(owner), taskId);
      await multi.exec();
    });
  }

  async waitForTerminal(taskId: string, signal: AbortSignal): Promise<void> {
    // Armed before looking, so a settle published in between still wakes us.
    const woken = this.events.terminal.wait(taskId, signal);
    const status = await guarded('status', () => this.redis.hget(this.keys.task(taskId), 'status'));
    if (status === null || isTerminal(status as TaskStatus)) return;
    await woken;
  }
}

function statusArgs(status: TaskStatus, statusMessage: string | undefined, runner: string | undefined): string[] {
  return [status, statusMessage === undefined ? '0' : '1', statusMessage ?? '', new Date().toISOString(), runner ?? ''];
}

function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}

function toRecord(hash: Record<string, string>): TaskRecord | undefined {
  if (!hash['taskId'] || !hash['status']) return undefined;
  const record: TaskRecord = {
    taskId: hash['taskId'],
    owner: hash['owner'] ?? '',
    status: hash['status'] as TaskStatus,
    createdAt: hash['createdAt'] ?? '',
    lastUpdatedAt: hash['lastUpdatedAt'] ?? '',
    ttl: Number(hash['ttl']),
    pollInterval: Number(hash['pollInterval']),
  };
  if (hash['statusMessage'] !== undefined) record.statusMessage = hash['statusMessage'];
  if (hash['runner'] !== undefined) record.runner = hash['runner'];
  if (hash['restart'] !== undefined) record.restart = JSON.parse(hash['restart']) as TaskRecord['restart'];
  return record;
}
