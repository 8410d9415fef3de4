import type { Redis } from 'ioredis';

// Every status change runs as one script, so "a terminal status never changes" and the runner
// fence hold whichever instance writes. Records are hashes: no JSON decoding inside Lua.

const TERMINAL = `local function terminal(s) return s == 'completed' or s == 'failed' or s == 'cancelled' end`;

const GUARD = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or terminal(status) then return false end
if ARGV[5] ~= '' then
  local runner = redis.call('HGET', KEYS[1], 'runner')
  if runner and runner ~= ARGV[5] then return false end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'lastUpdatedAt', ARGV[4])
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'statusMessage', ARGV[3]) else redis.call('HDEL', KEYS[1], 'statusMessage') end
`;

/** KEYS: task. ARGV: status, hasMessage, message, now, runner. Returns the hash or false. */
const UPDATE = `${TERMINAL}${GUARD}
return redis.call('HGETALL', KEYS[1])`;

/** KEYS: task, outcome, leases, events. ARGV: status, hasMessage, message, now, runner, outcome, taskId. */
const SETTLE = `${TERMINAL}${GUARD}
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[2], ARGV[6], 'PX', ttl) else redis.call('SET', KEYS[2], ARGV[6]) end
redis.call('ZREM', KEYS[3], ARGV[7])
redis.call('PUBLISH', KEYS[4], 't ' .. ARGV[7])
return redis.call('HGETALL', KEYS[1])`;

/** KEYS: leases. ARGV: deadline, runner, prefix, taskIds... Renews leases still ours; returns the ids lost. */
const RENEW = `
local lost = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local runner = redis.call('HGET', ARGV[3] .. 'task:' .. id, 'runner')
  if runner == ARGV[2] then redis.call('ZADD', KEYS[1], ARGV[1], id) else table.insert(lost, id) end
end
return lost`;

/** KEYS: leases. ARGV: now, runner, deadline, prefix, limit. Takes over tasks whose lease ran out. */
const TAKE_OVER = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
local taken = {}
for _, id in ipairs(ids) do
  local key = ARGV[4] .. 'task:' .. id
  local status = redis.call('HGET', key, 'status')
  if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('HSET', key, 'runner', ARGV[2])
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    table.insert(taken, id)
  end
end
return taken`;

/** KEYS: queue, notification count. Takes the whole list atomically. */
const TAKE_ALL = `
local all = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return all`;

/**
 * KEYS: queue, notification count, events. ARGV: message, key ttl (ms), max (-1: no cap),
 * notification prefix, tombstone, event. Appends a notification and, while the task holds more
 * than max, removes the oldest notification. Requests are skipped, never removed: the scan from
 * the head stops at the first notification, so it reads only the (few) requests queued before it.
 * Returns the number dropped.
 */
const ENQUEUE_NOTIFICATION = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local count = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PUBLISH', KEYS[3], ARGV[6])
local max = tonumber(ARGV[3])
local prefix = ARGV[4]
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
    redis.call('SET', KEYS[2], 0, 'PX', ARGV[2])
    break
  end
  if at == 0 then
    redis.call('LPOP', KEYS[1])
  else
    redis.call('LSET', KEYS[1], at, ARGV[5])
    redis.call('LREM', KEYS[1], 1, ARGV[5])
  end
  count = redis.call('DECR', KEYS[2])
  dropped = dropped + 1
end
return dropped`;

/** The scripts as ioredis commands. @internal */
export interface TaskScripts {
  mtaUpdate(task: string, ...args: string[]): Promise<string[] | null>;
  mtaSettle(task: string, outcome: string, leases: string, events: string, ...args: string[]): Promise<string[] | null>;
  mtaRenew(leases: string, ...args: string[]): Promise<string[]>;
  mtaTakeOver(leases: string, ...args: string[]): Promise<string[]>;
  mtaTakeAll(queue: string, notificationCount: string): Promise<string[]>;
  mtaEnqueueNotification(queue: string, notificationCount: string, events: string, ...args: string[]): Promise<number>;
}

/** Defines the scripts on a client (idempotent) and returns it typed. @internal */
export function withScripts(redis: Redis): Redis & TaskScripts {
  const r = redis as Redis & Partial<TaskScripts>;
  if (!r.mtaUpdate) {
    redis.defineCommand('mtaUpdate', { numberOfKeys: 1, lua: UPDATE });
    redis.defineCommand('mtaSettle', { numberOfKeys: 4, lua: SETTLE });
    redis.defineCommand('mtaRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('mtaTakeOver', { numberOfKeys: 1, lua: TAKE_OVER });
    redis.defineCommand('mtaTakeAll', { numberOfKeys: 2, lua: TAKE_ALL });
    redis.defineCommand('mtaEnqueueNotification', { numberOfKeys: 3, lua: ENQUEUE_NOTIFICATION });
  }
  return redis as Redis & TaskScripts;
}
