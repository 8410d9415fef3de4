import { ErrorCode, McpError } from '../wire.js';
import type { TaskRecord, TaskStatus } from '../types.js';

/**
 * Reading a task hash back (RedisTaskStore). Redis may hold what this library did not write: a
 * record of an older or buggy instance, a field an operator set with redis-cli, a partial write.
 * Before, a `restart` that was no JSON threw out of every read of its task, failing the owner's
 * whole `tasks/list` and every takeover of the task (retried each sweep, it never ended), and a
 * `status` that was no task status failed the whole page. Now such a record is skipped by `list`
 * and refused by `get` with one readable line; a bad `restart` only loses the rerun it described.
 */

const STATUSES = new Set<string>(['working', 'input_required', 'completed', 'failed', 'cancelled'] satisfies TaskStatus[]);

/** A flat `[field, value, …]` script reply as a hash. @internal */
export function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}

/**
 * The record of a task hash, undefined when there is none (expired, deleted); fields are taken as
 * stored, a `restart` this library could not have written dropped (see {@link unreadable}).
 * @internal
 */
export function toRecord(hash: Record<string, string>): TaskRecord | undefined {
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
  const restart = hash['restart'] === undefined ? undefined : parseRestart(hash['restart']);
  if (restart) record.restart = restart;
  return record;
}

/**
 * What of `record` no client or reader of this library could use, named for a log or an error (no
 * stored text in it), or undefined when it is readable: an unknown status (the client's SDK rejects
 * it, and no wait would ever see it end), a ttl, poll interval or creation time that is no number.
 * @internal
 */
export function unreadable(record: TaskRecord): string | undefined {
  if (!STATUSES.has(record.status)) return 'status';
  if (!Number.isFinite(record.ttl)) return 'ttl';
  if (!Number.isFinite(record.pollInterval)) return 'pollInterval';
  if (!Number.isFinite(Date.parse(record.createdAt))) return 'createdAt';
  return undefined;
}

/**
 * The record of a task hash for a reader that needs all of it (`get`): undefined when there is
 * none, -32603 naming the task and the bad field when it is unreadable.
 * @internal
 */
export function readRecord(taskId: string, hash: Record<string, string>): TaskRecord | undefined {
  const record = toRecord(hash);
  const bad = record && unreadable(record);
  if (bad) throw new McpError(ErrorCode.InternalError, `The stored record of task ${taskId} is unreadable (its ${bad})`);
  return record;
}

/**
 * No hash, for a task key that holds another type (a key an operator or another program wrote over
 * it): that is no task to `list`, where the WRONGTYPE error failed the owner's whole `tasks/list`.
 * Any other error (Redis away) is rethrown.
 * @internal
 */
export function noHashOnWrongType(error: unknown): Record<string, string> {
  if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return {};
  throw error;
}

/**
 * A stored `restart`, or undefined when it is not what `create` writes (JSON of an object naming
 * its tool): the task then cannot run again, and a takeover fails it as it fails any task of a tool
 * that is not restartable, instead of retrying a read that can never succeed.
 */
function parseRestart(text: string): TaskRecord['restart'] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const restart = value as { tool?: unknown; capabilities?: unknown; progressToken?: unknown };
  if (typeof restart.tool !== 'string') return undefined;
  if (restart.capabilities !== undefined && (typeof restart.capabilities !== 'object' || restart.capabilities === null)) return undefined;
  if (restart.progressToken !== undefined && typeof restart.progressToken !== 'string' && typeof restart.progressToken !== 'number')
    return undefined;
  return value as TaskRecord['restart'];
}
