import type { ClusterCommand } from '../backends/TaskCluster.js';
import type { Answer } from '../types.js';
import type { RedisKeys } from './keys.js';
import { LeanScript } from './leanScript.js';
import type { RedisClient } from './scripts.js';

/**
 * KEYS: task hash, outstanding requests, stored answers (one slot). ARGV: the runner channels'
 * prefix, message, now (ms), request id ('' for a cancel), the stored copy (`{"at":…,"id":…,
 * "answer":…}`), store (`always`, `unheard` or `no`), resend (`1`: an earlier send stored it).
 *
 * One send of a command to the task's runner: PUBLISH on its channel, and for an answer to a
 * request still outstanding, while the runner's lease is live and the task not over, a copy in
 * the task's stored answers (field request id), expiring with the task hash. `unheard` (one Redis,
 * where PUBLISH's count is exact) stores it only when no subscriber received it; `always` (a
 * cluster, where the count is one node's) stores it whatever the count. A resend of an answer whose
 * stored copy is gone publishes nothing: the runner took it, or answered the request, or the task's
 * requests were dropped. Replies `{-1}` (no runner), `{-2}` (stored copy gone), else
 * `{receivers, leaseUntil, status, stored (0 or 1)}`.
 */
const SEND = `
local f = redis.call('HMGET', KEYS[1], 'runner', 'leaseUntil', 'status')
if not f[1] then return {-1} end
if ARGV[7] == '1' and redis.call('HEXISTS', KEYS[3], ARGV[4]) == 0 then return {-2} end
local n = redis.call('PUBLISH', ARGV[1] .. f[1], ARGV[2])
local status = f[3] or ''
local stored = 0
if ARGV[6] ~= 'no' and (n == 0 or ARGV[6] == 'always') and (tonumber(f[2] or '') or 0) > tonumber(ARGV[3])
  and status ~= '' and status ~= 'completed' and status ~= 'failed' and status ~= 'cancelled'
  and redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 then
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
  stored = 1
end
return {n, f[2] or '', status, stored}`;

const send = new LeanScript(SEND);

/** What one {@link StoredAnswers.send} found: no runner, the stored copy gone, or the PUBLISH's outcome. */
export type StoredSend =
  { kind: 'no runner' } | { kind: 'taken' } | { kind: 'published'; receivers: number; leaseUntil: string; status: string; stored: boolean };

/**
 * How long the runner remembers the sends it passed on (ms), at least: far longer than a sender
 * sends one again (a lease) and than its stored copy waits before the runner takes it (a lease and
 * a look) at the default lease. Longer leases keep them three leases ({@link StoredAnswers.handle}).
 */
const PASSED_KEPT_MS = 120_000;
/** Leases a passed send is remembered, past {@link PASSED_KEPT_MS}: its sends (one lease), then its stored copy's wait (a lease and a look of at most one). */
const PASSED_KEPT_LEASES = 3;

/**
 * Answers forwarded to a task's runner, kept on the task's slot until the runner has them. A
 * forward is a PUBLISH, fire-and-forget: when the runner's subscriber was away (reconnecting) for
 * longer than the sender sends it again (a lease), it used to be dropped while its task waited for
 * it until its ttl, and `tasks/update` had already acknowledged it. So the send that finds no
 * receiver (on a cluster, every send: its count cannot tell) also stores the answer (one script
 * with the PUBLISH: no extra round trip). The runner takes a copy stored a lease ago or more (the
 * sender's PUBLISHes are over by then) in its periodic look at its outstanding requests
 * (InputHolds.ts, the same script: no extra round trip either), on its command connection, whether
 * its subscriber is back or not. Answering a request deletes its stored copy (the queue's
 * `resolve`), dropping the task's queue deletes them all, and they expire with the task.
 *
 * One per backend (on its {@link RedisEvents}): the queue's looks hand what they take to the
 * cluster's handler here. Each send has an id (on a cluster its receipt id) in its message and its
 * stored copy: a send that reaches the runner both ways (its last PUBLISH in flight as the look
 * takes the copy) is passed on once.
 * @internal
 */
export class StoredAnswers {
  private handler: ((taskId: string, command: ClusterCommand) => void) | undefined;
  /** The sends passed on here, by task and send id: when (a Map keeps insertion order). */
  private readonly passed = new Map<string, number>();
  private keptMs = PASSED_KEPT_MS;

  /**
   * The cluster's handler of commands (undefined once it closes): stored answers are taken only
   * while there is one. `leaseMs`, the cluster's lease: a send is remembered for three of them when
   * that is longer than two minutes (with a 60 s lease, a send's stored copy could be taken after
   * two minutes and passed on a second time).
   */
  handle(handler: ((taskId: string, command: ClusterCommand) => void) | undefined, leaseMs = 0): void {
    this.handler = handler;
    if (handler) this.keptMs = Math.max(PASSED_KEPT_MS, PASSED_KEPT_LEASES * leaseMs);
  }

  /** Whether stored answers may be taken now: someone here passes them on. */
  get taking(): boolean {
    return this.handler !== undefined;
  }

  /** Whether to pass on the answer of send `id` that reached this runner (published or stored): false if it was already. */
  first(taskId: string, id: string): boolean {
    const now = Date.now();
    for (const [key, at] of this.passed) {
      if (now - at < this.keptMs) break;
      this.passed.delete(key);
    }
    const key = `${taskId} ${id}`;
    if (this.passed.has(key)) return false;
    this.passed.set(key, now);
    return true;
  }

  /** Passes on the answers the runner's look took from storage: request id, then the stored copy. */
  taken(taskId: string, pairs: readonly string[]): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      let copy: { id?: unknown; answer?: unknown };
      try {
        copy = JSON.parse(pairs[i + 1]!) as typeof copy;
      } catch {
        // Not written by a sender (anyone with Redis access can write): nothing to pass on.
        continue;
      }
      if (typeof copy !== 'object' || copy === null || typeof copy.answer !== 'object' || copy.answer === null) continue;
      if (typeof copy.id === 'string' && !this.first(taskId, copy.id)) continue;
      this.handler?.(taskId, { type: 'answer', requestId: pairs[i]!, answer: copy.answer as Answer });
    }
  }

  /**
   * One send of `message` to the runner of `taskId` (the script above); `command` an answer, its
   * copy stored as the script says, under send `id` (`resend`: an earlier send stored it).
   */
  static async send(
    redis: RedisClient,
    keys: RedisKeys,
    taskId: string,
    message: string,
    command: ClusterCommand,
    id: string,
    resend: boolean,
  ): Promise<StoredSend> {
    const answer = command.type === 'answer' ? command : undefined;
    const now = Date.now();
    const reply = (await send.call(
      redis,
      [keys.task(taskId), keys.open(taskId), keys.answers(taskId)],
      [
        keys.instance(''),
        message,
        String(now),
        answer?.requestId ?? '',
        answer ? JSON.stringify({ at: now, id, answer: answer.answer }) : '',
        // One Redis counts the runner's subscriber exactly; a cluster counts one node's.
        !answer ? 'no' : redis.isCluster ? 'always' : 'unheard',
        resend ? '1' : '0',
      ],
    )) as [number, string?, string?, number?];
    const [receivers, leaseUntil = '', status = '', stored = 0] = reply;
    if (receivers === -1) return { kind: 'no runner' };
    if (receivers === -2) return { kind: 'taken' };
    return { kind: 'published', receivers, leaseUntil, status, stored: stored === 1 };
  }
}
