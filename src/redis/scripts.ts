import type { Cluster, Redis } from 'ioredis';
import { defineScripts } from './leanScript.js';
import { HOLD_TAKEN, RELEASE_REQUEUED } from './holdScripts.js';

// Every status change runs as one script, so "a terminal status never changes" and the runner
// fence hold whichever instance writes. Records are hashes: no JSON decoding inside Lua. Every key
// a script touches is in KEYS and all its KEYS share one hash tag, so a cluster can route it.

const TERMINAL = `local function terminal(s) return s == 'completed' or s == 'failed' or s == 'cancelled' end`;

/**
 * The status change itself: the hash read once (HGETALL), checked (not terminal, the runner fence,
 * then `ORDER` where given), written, and kept in `hash` as it now is, which the script returns. It
 * was HGET status, HGET runner, the writes, then HGETALL: 9 commands a settle where this takes 6 (issue 14).
 * `more` is extra field/value pairs for the status HSET (Lua expressions); `gone` runs before the
 * refusal of a task whose record is missing (Lua statements).
 */
function guard(order = '', more = '', gone = ''): string {
  return `
local hash = redis.call('HGETALL', KEYS[1])
local at = {}
for i = 1, #hash, 2 do at[hash[i]] = i + 1 end
if not at.status then ${gone}return false end
if terminal(hash[at.status]) then return false end
if ARGV[5] ~= '' and at.runner and hash[at.runner] ~= ARGV[5] then return false end
${order}local function set(field, value)
  if at[field] then hash[at[field]] = value else hash[#hash + 1] = field; hash[#hash + 1] = value end
end
set('status', ARGV[1])
set('lastUpdatedAt', ARGV[4])
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[4], 'statusMessage', ARGV[3]${more})
  set('statusMessage', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[4]${more})
  if at.statusMessage then
    redis.call('HDEL', KEYS[1], 'statusMessage')
    table.remove(hash, at.statusMessage)
    table.remove(hash, at.statusMessage - 1)
  end
end
`;
}

/**
 * A settle that finds no record (it vanished: `FLUSHALL`, an eviction, a failover that lost it)
 * publishes the task's `t` event all the same: nothing else ever would, and every `tasks/result`
 * waiting for the task would wait until its client gave up. Woken, they read the record and answer
 * that the task is not found. ARGV as SETTLE's.
 */
const SETTLE_GONE = `redis.call('PUBLISH', ARGV[7], 't ' .. ARGV[8]) `;

/**
 * An update older than the last one the same store object stored is refused: a call whose deadline
 * passed can still run later (a Redis Cluster client sends it again 100 ms after its connection
 * dropped), after the engine's retry and newer writes, and would put an older status back
 * (test/redis/cluster/staleWrites.test.ts). `writer` is the store object's random id, `writeSeq`
 * its call count: only calls of one object compare, so another instance (a takeover, fenced by the
 * runner) or a restarted process is never refused for its own count. Settles need no such check:
 * a terminal status already refuses every later write.
 */
const ORDER = `if at.writer and hash[at.writer] == ARGV[6] and tonumber(hash[at.writeSeq] or '0') > tonumber(ARGV[7]) then return false end
`;

/** KEYS: task. ARGV: status, hasMessage, message, now, runner, writer, writeSeq. Returns the hash or false. */
const UPDATE = `${TERMINAL}${guard(ORDER, ", 'writer', ARGV[6], 'writeSeq', ARGV[7]")}
return hash`;

/**
 * The outcome, expiring with the task: at ARGV[10] (the hash's own `PEXPIREAT`, which the creating
 * instance knows) or, when that is '', at the hash's remaining ttl (a PTTL, and its number
 * formatted back into the SET).
 */
const OUTCOME = `if ARGV[10] ~= '' then redis.call('SET', KEYS[2], ARGV[6], 'PXAT', ARGV[10]) else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[2], ARGV[6], 'PX', ttl) else redis.call('SET', KEYS[2], ARGV[6]) end
end`;

/**
 * A settle's status change. ARGV[9] '1': the caller created the task and knows every field but
 * the runner (createdHere.ts), so the hash is not read whole nor sent back: HMGET of what the
 * guard checks, and the answer is `r<runner>` ('' for none), where the whole hash was about 20
 * strings to build here and to decode in the caller. Otherwise `guard` and the hash as it now is.
 * Both refuse the same writes and store the same fields.
 */
const SETTLE_GUARD = `
local reply
if ARGV[9] == '1' then
  local task = redis.call('HMGET', KEYS[1], 'status', 'runner', 'statusMessage')
  if not task[1] then ${SETTLE_GONE}return false end
  if terminal(task[1]) then return false end
  if ARGV[5] ~= '' and task[2] and task[2] ~= ARGV[5] then return false end
  if ARGV[2] == '1' then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[4], 'statusMessage', ARGV[3])
  else
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[4])
    if task[3] then redis.call('HDEL', KEYS[1], 'statusMessage') end
  end
  reply = task[2] and 'r' .. task[2] or ''
else
${guard('', '', SETTLE_GONE)}
  reply = hash
end
`;

/**
 * KEYS: task, outcome (one slot). ARGV: status, hasMessage, message, now, runner, outcome, event
 * channel, taskId, short reply ('1' or '0', see SETTLE_GUARD), expiry (see OUTCOME). The lease
 * index entry is left to `release` and the sweep: it is on another slot.
 */
const SETTLE = `${TERMINAL}${SETTLE_GUARD}
${OUTCOME}
redis.call('PUBLISH', ARGV[7], 't ' .. ARGV[8])
return reply`;

/**
 * One Redis only (its keys span slots): SETTLE, and the task's lease index entry dropped in the
 * same step. KEYS: task, outcome, lease index. ARGV as SETTLE's. @internal (groupCommit.ts)
 */
export const SETTLE_UNINDEXED = `${TERMINAL}${SETTLE_GUARD}
${OUTCOME}
redis.call('ZREM', KEYS[3], ARGV[8])
redis.call('PUBLISH', ARGV[7], 't ' .. ARGV[8])
return reply`;

const INDEX_BODY = `
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
for i = 1, 2 do
  -- Later than the expiry the key has (the usual case: one call), or the first expiry it gets.
  if redis.call('PEXPIREAT', KEYS[i], ARGV[2], 'GT') == 0 then redis.call('PEXPIREAT', KEYS[i], ARGV[2], 'NX') end
end`;

/**
 * One Redis only (its keys span slots): a new task in one step, where a cluster takes three (the
 * hash, the owner index, the lease index). KEYS: owner index, owner sequence, task, lease index.
 * ARGV: taskId, expiresAt, lease deadline ('' for none), owner, status, createdAt, lastUpdatedAt,
 * ttl, pollInterval, then the optional fields as field/value pairs. Every record's fields go by
 * position: their names (and the task id twice) were 8 of about 27 arguments to build, send and
 * parse per task. The hash is written before the index, as on a cluster. @internal (groupCommit.ts)
 */
export const CREATE = `
redis.call('HSET', KEYS[3], 'taskId', ARGV[1], 'owner', ARGV[4], 'status', ARGV[5], 'createdAt', ARGV[6],
  'lastUpdatedAt', ARGV[7], 'ttl', ARGV[8], 'pollInterval', ARGV[9], unpack(ARGV, 10))
redis.call('PEXPIREAT', KEYS[3], ARGV[2])
${INDEX_BODY}
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1]) end
return 1`;

/**
 * KEYS: owner index, owner sequence (one slot). ARGV: taskId, expiresAt. Numbers the task in its
 * owner's order and indexes it; both keys live as long as the owner's longest-lived task.
 */
const INDEX = `${INDEX_BODY}
return seq`;

/** KEYS: task. ARGV: runner, lease deadline. Records the lease if the task exists; 1 if it did. */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'runner', ARGV[1], 'leaseUntil', ARGV[2])
return 1`;

/**
 * KEYS: task. ARGV: runner, lease deadline, event channel, the task's `t` event. Renews the lease if
 * still ours and the task running: 1; 0 when another runner has it or it is gone (lost); when it
 * ended (a cancel stored by another instance, whose command to us may have been lost: PUBLISH is
 * fire-and-forget) its status and message, so the runner stops its work instead of renewing it
 * until the ttl. A record gone before its end publishes the task's event, as SETTLE_GONE.
 */
const RENEW = `${TERMINAL}
local task = redis.call('HMGET', KEYS[1], 'runner', 'status', 'statusMessage')
if not task[2] then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
if task[1] ~= ARGV[1] then return 0 end
if terminal(task[2]) then return {task[2], task[3] or ''} end
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
return 1`;

/**
 * KEYS: task. ARGV: now, runner, deadline. Takes the task over if its lease (in the hash, so this
 * check and the new runner are one atomic step on the task's slot) ran out. Returns -1 when the
 * task is gone or settled (drop it from the index), 1 when taken, else the live lease's deadline
 * (the index lagged behind a renewal: put the right deadline back). A lease that is no number (not
 * written here) counts as run out: the script erred on it, every sweep, and the task was never taken.
 * A key of another type is no task (-1): its WRONGTYPE error kept the entry first in the index.
 */
const TAKE_OVER = `${TERMINAL}
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if not status or terminal(status) then return -1 end
local lease = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '') or 0
if lease > tonumber(ARGV[1]) then return lease end
redis.call('HSET', KEYS[1], 'runner', ARGV[2], 'leaseUntil', ARGV[3])
return 1`;

/**
 * KEYS: queue, notification count, this take's own key, holds (one slot). ARGV: how long that key
 * keeps what was taken (ms), the holds' value (InputHolds.ts), notification prefix, key ttl (ms).
 * Takes the whole list atomically, and keeps it under the take's key: a take whose reply was lost
 * (the connection dropped) is sent again by ioredis on its next connection, or again by the
 * caller, and must answer what the first one took, not the empty queue it left (the request taken
 * then was gone for good: its task waited for input until its ttl). Every request taken is held by
 * the taker in the same step (holdScripts.ts HOLD_TAKEN). An empty queue is taken without a write,
 * so reads keep working on a Redis that refuses writes (a read-only replica, `MISCONF`).
 */
const TAKE_ALL = `
local all = redis.call('LRANGE', KEYS[3], 0, -1)
if #all == 0 then
  all = redis.call('LRANGE', KEYS[1], 0, -1)
  if #all > 0 then
    redis.call('RENAME', KEYS[1], KEYS[3])
    redis.call('PEXPIRE', KEYS[3], ARGV[1])
  end
  if #all > 0 or redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DEL', KEYS[2]) end
end
${HOLD_TAKEN}
return all`;

/**
 * KEYS: queue, notification count, this requeue's own key, holds (one slot). ARGV: key ttl (ms), how
 * long the requeue's key lives (ms), notifications among the messages, event channel, event,
 * notification prefix, holder, then the messages in LPUSH order; a request goes back only as
 * holdScripts.ts RELEASE_REQUEUED says, its hold with it. Puts the messages back at the head of
 * the queue once: a requeue sent again after its reply was lost (ioredis sends an unanswered
 * command again on its next connection, and a failed put-back is tried again under the same id)
 * finds its own key and changes nothing, where the MULTI it replaces put every message back twice
 * (the client was asked the same question twice). Pushed in chunks: `unpack` has a stack limit.
 */
const REQUEUE = `
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return 0 end
${RELEASE_REQUEUED}
for i = 1, #push, 1000 do redis.call('LPUSH', KEYS[1], unpack(push, i, math.min(i + 999, #push))) end
if #push > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if ARGV[3] ~= '0' then
  redis.call('INCRBY', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`;

/**
 * What an enqueue runs first. KEYS[3] is the enqueue's own mark: one sent again after its reply
 * was lost (ioredis sends an unanswered command again on its next connection) finds it and
 * changes nothing, where the MULTI and script it replaces queued the message twice (the client was
 * asked the same question twice, or got a notification twice). ARGV[1] is how long the mark lives (ms).
 */
const ENQUEUED_ONCE = `if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[1]) then return 0 end
`;

/**
 * KEYS: queue, outstanding requests, this enqueue's mark (one slot). ARGV: mark ttl (ms), message,
 * request id, its outstanding entry, key ttl (ms), event channel, event. Queues a request and
 * makes it outstanding, once (ENQUEUED_ONCE). Returns 1, or 0 when it ran before.
 */
const ENQUEUE_REQUEST = `${ENQUEUED_ONCE}
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1`;

/**
 * KEYS: queue, notification count, this enqueue's mark (one slot). ARGV: mark ttl (ms), message,
 * key ttl (ms), max (-1: no cap), notification prefix, tombstone, event, event channel (an
 * argument: a channel is no key). Appends a notification once (ENQUEUED_ONCE) and, while the task
 * holds more than max, removes the oldest notification. Requests are skipped, never removed: the
 * scan from the head stops at the first notification, so it reads only the (few) requests queued
 * before it. Returns the number dropped.
 */
const ENQUEUE_NOTIFICATION = `${ENQUEUED_ONCE}
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local count = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[8], ARGV[7])
local max = tonumber(ARGV[4])
local prefix = ARGV[5]
local dropped = 0
while max >= 0 and count > max do
  local at = nil
  local from = 0
  while not at do
    local chunk = redis.call('LRANGE', KEYS[1], from, from + 31)
    if #chunk == 0 then break end
    for i, m in ipairs(chunk) do
      if string.sub(m, 1, #prefix) == prefix then at = from + i - 1; break end
    end
    from = from + 32
  end
  if not at then
    redis.call('SET', KEYS[2], 0, 'PX', ARGV[3])
    break
  end
  if at == 0 then
    redis.call('LPOP', KEYS[1])
  else
    redis.call('LSET', KEYS[1], at, ARGV[6])
    redis.call('LREM', KEYS[1], 1, ARGV[6])
  end
  count = redis.call('DECR', KEYS[2])
  dropped = dropped + 1
end
return dropped`;

/** The scripts as methods of the client ({@link withScripts}, sent as leanScript.ts's commands). @internal */
export interface TaskScripts {
  mtaUpdate(task: string, ...args: string[]): Promise<string[] | null>;
  /** The hash as flat pairs, or `r<runner>` / '' with a short reply; null when refused. */
  mtaSettle(task: string, outcome: string, ...args: string[]): Promise<string[] | string | null>;
  mtaSettleUnindexed(task: string, outcome: string, leases: string, ...args: string[]): Promise<string[] | string | null>;
  mtaIndex(owner: string, ownerSeq: string, taskId: string, expiresAt: string): Promise<number>;
  mtaCreate(owner: string, ownerSeq: string, task: string, leases: string, ...args: string[]): Promise<number>;
  mtaClaim(task: string, runner: string, deadline: string): Promise<number>;
  /** 1 renewed, 0 lost, [status, statusMessage] when the task ended. */
  mtaRenew(task: string, runner: string, deadline: string, events: string, event: string): Promise<number | [string, string]>;
  mtaTakeOver(task: string, now: string, runner: string, deadline: string): Promise<number>;
  mtaTakeAll(queue: string, notificationCount: string, take: string, held: string, ...args: string[]): Promise<string[]>;
  mtaEnqueueRequest(queue: string, open: string, enqueue: string, ...args: string[]): Promise<number>;
  mtaEnqueueNotification(queue: string, notificationCount: string, enqueue: string, ...args: string[]): Promise<number>;
  mtaRequeue(queue: string, notificationCount: string, requeue: string, held: string, ...args: string[]): Promise<number>;
}

/** One Redis or a Redis Cluster: both speak the commands this backend uses. @internal */
export type RedisClient = Redis | Cluster;

/** Defines the scripts on a client (idempotent) and returns it typed. @internal */
export function withScripts(redis: RedisClient): RedisClient & TaskScripts {
  defineScripts(redis, {
    mtaUpdate: { numberOfKeys: 1, lua: UPDATE },
    mtaSettle: { numberOfKeys: 2, lua: SETTLE },
    mtaSettleUnindexed: { numberOfKeys: 3, lua: SETTLE_UNINDEXED },
    mtaIndex: { numberOfKeys: 2, lua: INDEX },
    mtaCreate: { numberOfKeys: 4, lua: CREATE },
    mtaClaim: { numberOfKeys: 1, lua: CLAIM },
    mtaRenew: { numberOfKeys: 1, lua: RENEW },
    mtaTakeOver: { numberOfKeys: 1, lua: TAKE_OVER },
    mtaTakeAll: { numberOfKeys: 4, lua: TAKE_ALL },
    mtaEnqueueRequest: { numberOfKeys: 3, lua: ENQUEUE_REQUEST },
    mtaEnqueueNotification: { numberOfKeys: 3, lua: ENQUEUE_NOTIFICATION },
    mtaRequeue: { numberOfKeys: 4, lua: REQUEUE },
  });
  return redis as RedisClient & TaskScripts;
}
