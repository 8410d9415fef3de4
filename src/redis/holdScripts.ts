/**
 * The Lua of input request holds (InputHolds.ts): what the queue's take and put-back scripts
 * (scripts.ts) run about holds, and the holder's and the runner's own scripts. A hold is a field of
 * the task's `held` hash (keys.ts): request id → `<deadline ms>:<holder>`.
 */

/**
 * `requestId(m, prefix)`: the request id of a queued message as stored, nil for a notification
 * (its JSON starts with `prefix`) or anything unreadable. `queuedIds(queue, prefix)`: the set of
 * request ids in a queue list.
 */
const REQUEST_ID = `
local function requestId(m, prefix)
  if string.sub(m, 1, #prefix) == prefix then return nil end
  local ok, d = pcall(cjson.decode, m)
  if ok and type(d) == 'table' and type(d.requestId) == 'string' then return d.requestId end
  return nil
end
local function queuedIds(queue, prefix)
  local ids = {}
  for _, m in ipairs(redis.call('LRANGE', queue, 0, -1)) do
    local id = requestId(m, prefix)
    if id then ids[id] = true end
  end
  return ids
end
`;

/**
 * The end of the take (scripts.ts TAKE_ALL), with `all` what it took: every request taken is held
 * by the taker in the same step, so there is no moment where it is neither queued nor held.
 * KEYS[4]: holds. ARGV[2]: the holds' value, ARGV[3]: notification prefix, ARGV[4]: key ttl (ms).
 */
export const HOLD_TAKEN = `${REQUEST_ID}
local holds = false
for _, m in ipairs(all) do
  local id = requestId(m, ARGV[3])
  if id then redis.call('HSET', KEYS[4], id, ARGV[2]); holds = true end
end
if holds then redis.call('PEXPIRE', KEYS[4], ARGV[4]) end
`;

/**
 * The start of a put-back (scripts.ts REQUEUE): `push` gets the messages to put back, in LPUSH
 * order. A request this holder holds goes back and its hold goes. One held by another instance, or
 * not held and already queued, is left out: its hold ran out (this instance's renewals failed) and
 * its runner put it back, or another instance took it since; putting it back too would ask the
 * client twice. KEYS[1]: queue, KEYS[4]: holds. ARGV[6]: notification prefix, ARGV[7]: holder;
 * the messages from ARGV[8].
 */
export const RELEASE_REQUEUED = `${REQUEST_ID}
local suffix = ':' .. ARGV[7]
local push = {}
local queued = nil
for i = 8, #ARGV do
  local id = requestId(ARGV[i], ARGV[6])
  local keep = true
  if id then
    local held = redis.call('HGET', KEYS[4], id)
    if held and string.sub(held, -#suffix) == suffix then
      redis.call('HDEL', KEYS[4], id)
    elseif held then
      keep = false
    else
      queued = queued or queuedIds(KEYS[1], ARGV[6])
      keep = not queued[id]
    end
  end
  if keep then push[#push + 1] = ARGV[i] end
end
`;

/**
 * KEYS: outstanding requests, holds (one slot). ARGV: holder, the hold's new value, request ids.
 * Renews this holder's holds of requests still outstanding; returns the ids it no longer holds
 * (answered, put back, or held by another instance since), which the holder stops renewing.
 */
export const RENEW_HOLDS = `
local suffix = ':' .. ARGV[1]
local dropped = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local held = redis.call('HGET', KEYS[2], id)
  local mine = held and string.sub(held, -#suffix) == suffix
  if redis.call('HEXISTS', KEYS[1], id) == 0 then
    if mine then redis.call('HDEL', KEYS[2], id) end
    dropped[#dropped + 1] = id
  elseif mine then
    redis.call('HSET', KEYS[2], id, ARGV[2])
  else
    dropped[#dropped + 1] = id
  end
end
return dropped`;

/**
 * KEYS: queue, outstanding requests, holds, stored answers (one slot). ARGV: now, key ttl (ms),
 * event channel, event, notification prefix, take answers stored before this (ms; `-1`: none, the
 * runner cannot pass them on), request ids. The runner's look at requests it asked: one still
 * outstanding that is neither queued nor held by a live hold was taken by an instance that died
 * before it was answered or put back, and goes back at the front of the queue as it was enqueued
 * (the outstanding entry is `{"at":…,"message":<the queued JSON>}`: the same JSON-RPC request, so
 * the answer still matches), oldest first. One with a stored answer (its forward reached no
 * subscriber: StoredAnswers.ts) is answered: not put back, its answer taken once stored long enough.
 * Returns the number put back, the number of ids no longer outstanding (the runner stops looking at
 * them) and those ids, then the answers taken, each as request id, stored copy.
 */
export const RESTORE = `${REQUEST_ID}
local now = tonumber(ARGV[1])
local before = tonumber(ARGV[6])
local gone = {}
local lost = {}
local answers = {}
local queued = nil
for i = 7, #ARGV do
  local id = ARGV[i]
  local entry = redis.call('HGET', KEYS[2], id)
  local answer = entry and before >= 0 and redis.call('HGET', KEYS[4], id)
  if not entry then
    gone[#gone + 1] = id
  elseif answer then
    if (tonumber(string.match(answer, '^{"at":(%d+)')) or 0) <= before then
      redis.call('HDEL', KEYS[4], id)
      answers[#answers + 1] = id
      answers[#answers + 1] = answer
    end
  else
    local held = redis.call('HGET', KEYS[3], id)
    if (held and tonumber(string.match(held, '^(%d+)')) or 0) <= now then
      queued = queued or queuedIds(KEYS[1], ARGV[5])
      if not queued[id] then
        local message = string.match(entry, '^{"at":%d+,"message":(.*)}$') or cjson.encode(cjson.decode(entry).message)
        lost[#lost + 1] = { at = tonumber(string.match(entry, '^{"at":(%d+)')) or 0, message = message, id = id }
      end
    end
  end
end
if #lost > 0 then
  table.sort(lost, function(a, b) return a.at < b.at end)
  for i = #lost, 1, -1 do
    redis.call('LPUSH', KEYS[1], lost[i].message)
    redis.call('HDEL', KEYS[3], lost[i].id)
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
local reply = { #lost, #gone }
for _, id in ipairs(gone) do reply[#reply + 1] = id end
for _, v in ipairs(answers) do reply[#reply + 1] = v end
return reply`;
