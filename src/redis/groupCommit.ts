import type { Redis } from 'ioredis';
import { beforeJoinedWrite } from './batchWrites.js';
import { LeanScript } from './leanScript.js';
import { CREATE, SETTLE_UNINDEXED } from './scripts.js';
import type { TaskScripts } from './scripts.js';

/**
 * Several creates and settles in one script call. ARGV per step: its kind (`c` create, `s` settle),
 * its argument count, its arguments; KEYS per step: a create's 4, a settle's 3, in the same order.
 * Each step runs the one-task script's own body under `pcall`, so a step that fails (a `WRONGTYPE`,
 * say) answers with its error and the others run on; a refusal answers `false` as alone. Replies:
 * one per step, in order. `KEYS`/`ARGV` are the bodies' parameters here (Lua locals), so the body
 * text is the one-task script's, unchanged.
 */
const GROUP = `
local function create(KEYS, ARGV) ${CREATE} end
local function settle(KEYS, ARGV) ${SETTLE_UNINDEXED} end
local out = {}
local k, a, i = 0, 1, 0
while a <= #ARGV do
  local n = tonumber(ARGV[a + 1])
  local args = {unpack(ARGV, a + 2, a + 1 + n)}
  local step, nk = create, 4
  if ARGV[a] == 's' then step, nk = settle, 3 end
  local keys = {unpack(KEYS, k + 1, k + nk)}
  a = a + 2 + n
  k = k + nk
  i = i + 1
  local ok, reply = pcall(step, keys, args)
  if ok or type(reply) == 'table' then out[i] = reply else out[i] = redis.error_reply(tostring(reply)) end
end
return out`;

type CreateReply = Awaited<ReturnType<TaskScripts['mtaCreate']>>;
type SettleReply = Awaited<ReturnType<TaskScripts['mtaSettleUnindexed']>>;

interface Step {
  kind: 'c' | 's';
  keys: string[];
  args: string[];
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * Steps in flight from which a new one waits for the end of its turn (as PostgreSQL's
 * `commit_siblings`): with fewer, the wait was seldom joined by another step and cost more than it
 * saved (2 tasks in flight, each step waiting whenever the other's was in flight: 8–14 % more CPU
 * per lifecycle in bench/cpuAb.ts).
 */
const SIBLINGS = 2;

/** Steps per script call at most: a long group holds Redis (one thread) for its whole run. */
const MAX_STEPS = 128;

/** The group script; its KEYS count differs from call to call, so it is called as a {@link LeanScript}. */
const groupScript = new LeanScript(GROUP);

/**
 * Group commit on one Redis (issue 14): the creates and settles asked for in one turn of the event
 * loop while other steps are in flight go as one script call at the end of the turn
 * (`setImmediate`), where each was a script call of its own: one ioredis `Command`, one write and
 * one reply for the turn instead of one each. A step asked for while nothing waits and at most one
 * other is in flight goes at once, as the one-task script: one or two tasks at a time wait for nothing.
 *
 * Order on the connection stays the order of the calls: any other command sent on it (a read, an
 * update, the queue's or the cluster's) first sends the steps waiting, so nothing overtakes them.
 * A step's own reply, refusal or error is its own (the group script answers per step); a call that
 * fails whole (connection dropped, Redis away) fails every step in it, as it failed each call, and
 * ioredis resends or fails it as it does any command in flight. Not on a Redis Cluster: a group's
 * keys span slots.
 * @internal
 */
export class GroupCommit {
  private waiting: Step[] = [];
  private scheduled = false;
  /** Steps sent and not yet answered. */
  private inFlight = 0;

  constructor(private readonly redis: Redis & TaskScripts) {
    beforeJoinedWrite.set(redis, this.flush);
    const send = redis.sendCommand;
    const flush = this.flush;
    // Whatever else goes on the connection goes after the steps asked for before it.
    redis.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>): unknown {
      flush();
      return send.apply(this, args);
    };
  }

  /** `mtaCreate` (KEYS: owner index, owner sequence, task, lease index), grouped when busy. */
  create(keys: [string, string, string, string], args: string[]): Promise<CreateReply> {
    return (this.now() ? this.alone('c', keys, args) : this.wait('c', keys, args)) as Promise<CreateReply>;
  }

  /** `mtaSettleUnindexed` (KEYS: task, outcome, lease index), grouped when busy. */
  settle(keys: [string, string, string], args: string[]): Promise<SettleReply> {
    return (this.now() ? this.alone('s', keys, args) : this.wait('s', keys, args)) as Promise<SettleReply>;
  }

  /** Whether a step goes at once: nothing waits and fewer than {@link SIBLINGS} steps are in flight. */
  private now(): boolean {
    return this.waiting.length === 0 && this.inFlight < SIBLINGS;
  }

  /** One step as the one-task script, counted in flight. */
  private alone(kind: Step['kind'], keys: string[], args: string[]): Promise<unknown> {
    const reply: Promise<unknown> =
      kind === 'c'
        ? this.redis.mtaCreate(...(keys as [string, string, string, string]), ...args)
        : this.redis.mtaSettleUnindexed(...(keys as [string, string, string]), ...args);
    return this.sent(reply, 1);
  }

  /** Counts `steps` in flight until `reply` settles; returns it. */
  private sent<T>(reply: Promise<T>, steps: number): Promise<T> {
    this.inFlight += steps;
    reply.then(
      () => (this.inFlight -= steps),
      () => (this.inFlight -= steps),
    );
    return reply;
  }

  private wait(kind: Step['kind'], keys: string[], args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ kind, keys, args, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.endOfTurn);
    });
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Sends the steps waiting: one alone as its own script, more as groups of at most {@link MAX_STEPS}. */
  private readonly flush = (): void => {
    const waiting = this.waiting;
    if (waiting.length === 0) return;
    this.waiting = [];
    for (let from = 0; from < waiting.length; from += MAX_STEPS) this.send(waiting.slice(from, from + MAX_STEPS));
  };

  private send(steps: Step[]): void {
    if (steps.length === 1) {
      const [step] = steps as [Step];
      this.alone(step.kind, step.keys, step.args).then(step.resolve, step.reject);
      return;
    }
    const keys: string[] = [];
    const args: string[] = [];
    for (const step of steps) {
      keys.push(...step.keys);
      args.push(step.kind, String(step.args.length), ...step.args);
    }
    this.sent(groupScript.call(this.redis, keys, args) as Promise<unknown[]>, steps.length).then(
      (replies) => {
        for (let i = 0; i < steps.length; i++) {
          const reply = replies[i];
          // A step that failed inside the script: its error, for its call alone.
          if (reply instanceof Error) steps[i]!.reject(reply);
          else steps[i]!.resolve(reply);
        }
      },
      (error: unknown) => {
        for (const step of steps) step.reject(error);
      },
    );
  }
}
