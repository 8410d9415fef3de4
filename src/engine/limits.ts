import { getHeapStatistics } from 'node:v8';
import { limitExceeded } from '../errors.js';
import { isPlainObject } from '../plainObject.js';
import type { RateLimitName } from '../errors.js';

/**
 * A token bucket: `burst` requests at once, refilled at `perSecond`. `Infinity` for `perSecond`
 * (or as the whole option, see {@link RateOption}) turns the limit off.
 */
export interface RateLimit {
  /** Tokens added per second, at a steady pace. */
  perSecond: number;
  /** Bucket size: requests a caller may make at once after being idle. */
  burst: number;
}

/** A {@link RateLimit}, or a number: `n` means `{ perSecond: n, burst: n }`, `Infinity` no limit. */
export type RateOption = RateLimit | number;

/**
 * How much one server process takes on. Each limit has a safe default and answers a clear JSON-RPC
 * error (`LIMIT_EXCEEDED`, in errors.ts) when hit; `Infinity` turns one off. See `docs/limits.md`.
 */
export interface TaskLimits {
  /** Tasks not yet terminal in this process, all callers together. Default 100,000. */
  maxLiveTasks?: number;
  /** Tasks not yet terminal per caller (see `TaskSupportOptions.identify`). Default 10,000. */
  maxLiveTasksPerCaller?: number;
  /** `elicit`/`createMessage` calls of one task waiting for their answer at once. Default 16. */
  maxQueuedInputRequests?: number;
  /** Size of a task's stored outcome (its `CallToolResult` or error) as JSON, in bytes. Default 4 MiB. */
  maxResultBytes?: number;
  /** The smallest `pollInterval` (ms) ever advertised; a lower `pollInterval` is raised to it. Default 100. */
  minPollInterval?: number;
  /**
   * V8 heap in use (bytes) at which new tasks are refused until it falls again: sampled at each
   * admission (`v8.getHeapStatistics().used_heap_size`, about 0.3 µs). Default: half of the heap
   * limit (`heap_size_limit`), leaving the other half for the tasks already admitted (results,
   * queued messages), garbage not yet collected and the rest of the server.
   */
  memoryBudget?: number;
  /** Task creations per caller: a token bucket. Default 50/s, burst 500. */
  taskCreationRate?: RateOption;
  /** `tasks/*` requests per caller (both protocols): a token bucket. Default 500/s, burst 2,000. */
  taskOperationRate?: RateOption;
  /**
   * Notifications (`task.log`, progress) queued per task for `tasks/result`; beyond, the oldest
   * queued notification is dropped (never a request) and a warning logged once per task. Default 1,000.
   */
  maxQueuedNotifications?: number;
  /**
   * Open task subscriptions (`subscriptions/listen` with `taskIds`, SDK v2) per caller: each holds
   * a stream and a follow per task it names. Default 100.
   */
  maxListensPerCaller?: number;
}

/** {@link TaskLimits} with every default filled in and the rates in their long form. @internal */
export type ResolvedTaskLimits = Required<Omit<TaskLimits, RateLimitName>> & Record<RateLimitName, RateLimit>;

/** Share of the V8 heap limit that `memoryBudget` defaults to. */
const MEMORY_BUDGET_SHARE = 0.5;

/** The defaults of {@link TaskLimits}. */
export const defaultTaskLimits: Readonly<Required<TaskLimits>> = Object.freeze({
  maxLiveTasks: 100_000,
  maxLiveTasksPerCaller: 10_000,
  maxQueuedInputRequests: 16,
  maxResultBytes: 4 * 1024 * 1024,
  minPollInterval: 100,
  memoryBudget: Math.floor(getHeapStatistics().heap_size_limit * MEMORY_BUDGET_SHARE),
  taskCreationRate: Object.freeze({ perSecond: 50, burst: 500 }),
  taskOperationRate: Object.freeze({ perSecond: 500, burst: 2_000 }),
  maxQueuedNotifications: 1_000,
  maxListensPerCaller: 100,
});

/**
 * The limits that count whole things (tasks, requests, notifications, subscriptions): a fraction
 * there meant the next whole number up (`maxLiveTasks: 2.5` admitted 3) while the error said 2.5.
 */
const WHOLE_NUMBER_LIMITS: ReadonlySet<keyof TaskLimits> = new Set([
  'maxLiveTasks',
  'maxLiveTasksPerCaller',
  'maxQueuedInputRequests',
  'maxQueuedNotifications',
  'maxListensPerCaller',
]);

/**
 * Fills in defaults and rejects nonsense (zero, negative, NaN, a fraction of a count) at construction
 * time. `Infinity` turns a limit off; for the `minPollInterval` floor, off is no floor (0): kept as
 * `Infinity` it raised every advertised `pollInterval` to `Infinity`, which JSON cannot carry, and
 * clients refused every CreateTaskResult.
 * @internal
 */
export function resolveLimits(limits: TaskLimits): ResolvedTaskLimits {
  // A misspelt key (`maxLiveTask`) left its limit at the default without a word; a type check
  // catches it only in an object literal written at the call.
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
    throw new TypeError(`limits must be an object of limit options, got ${Array.isArray(limits) ? 'an array' : String(limits)}`);
  const unknown = Object.keys(limits).filter((key) => !Object.hasOwn(defaultTaskLimits, key));
  if (unknown.length > 0)
    throw new TypeError(`limits has no option ${unknown.join(', ')}; its options are ${Object.keys(defaultTaskLimits).join(', ')}`);
  const resolved: ResolvedTaskLimits = {
    ...defaultTaskLimits,
    taskCreationRate: resolveRate('taskCreationRate', limits.taskCreationRate ?? defaultTaskLimits.taskCreationRate),
    taskOperationRate: resolveRate('taskOperationRate', limits.taskOperationRate ?? defaultTaskLimits.taskOperationRate),
  };
  for (const key of Object.keys(defaultTaskLimits) as (keyof TaskLimits)[]) {
    if (key === 'taskCreationRate' || key === 'taskOperationRate') continue;
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 1) {
      throw new RangeError(`${key} must be at least 1 (or Infinity), got ${String(value)}`);
    }
    if (value !== Infinity && WHOLE_NUMBER_LIMITS.has(key) && !Number.isInteger(value)) {
      throw new RangeError(`${key} must be a whole number of at least 1 (or Infinity), got ${String(value)}`);
    }
    resolved[key] = key === 'minPollInterval' && value === Infinity ? 0 : value;
  }
  return resolved;
}

/** Validates a {@link RateOption} and returns it as a {@link RateLimit}. @internal */
export function resolveRate(name: RateLimitName, option: RateOption): RateLimit {
  const rate = typeof option === 'number' ? { perSecond: option, burst: option } : option;
  const { perSecond, burst } = rate;
  if (typeof perSecond !== 'number' || Number.isNaN(perSecond) || perSecond <= 0) {
    throw new RangeError(`${name}.perSecond must be a positive number (or Infinity), got ${String(perSecond)}`);
  }
  if (typeof burst !== 'number' || Number.isNaN(burst) || burst < 1) {
    throw new RangeError(`${name}.burst must be at least 1 (or Infinity), got ${String(burst)}`);
  }
  return { perSecond, burst };
}

/**
 * Refuses new tasks while the V8 heap in use is at or above `memoryBudget`.
 *
 * Why the heap and not "live tasks × an estimated size": what a task holds depends on its work (a
 * bare task is ~6 KB, the demo's ~47 KB over HTTP: `npm run bench`, bench/workloads/memory.ts; a
 * task holding a big result megabytes), and what runs out is the heap as a whole (retained results
 * and queued messages included). The sample is cheap enough (~0.3 µs, a one-off timing that no
 * bench re-measures) to take at every admission, so a flood cannot slip past a stale reading. It counts garbage not yet collected, so near the budget a refusal may come a
 * little early; it lifts by itself after the next collection.
 * @internal
 */
export class MemoryBudget {
  constructor(
    private readonly budget: number,
    private readonly heapUsed: () => number = () => getHeapStatistics().used_heap_size,
  ) {}

  /** Throws the -32029 limit error when the heap in use is at or above the budget. */
  check(): void {
    if (this.budget === Infinity || this.heapUsed() < this.budget) return;
    throw limitExceeded(`Server memory budget reached (memoryBudget ${this.budget} bytes of heap in use); try again later`, {
      limit: 'memoryBudget',
      max: this.budget,
    });
  }
}

/**
 * Counts live tasks per caller and in total, so admission is O(1) at any number of tasks.
 * `admit` throws the limit error or takes a slot; `release` gives one back, once per admitted task
 * (the task's own end flag sees to that). One shared function, not a release closure per task:
 * about 0.1 KB per live task (issue 14).
 * @internal
 */
export class LiveTaskCounter {
  private readonly perCaller = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: Pick<Required<TaskLimits>, 'maxLiveTasks' | 'maxLiveTasksPerCaller'>) {}

  admit(owner: string): void {
    const { maxLiveTasks, maxLiveTasksPerCaller } = this.limits;
    if (this.total >= maxLiveTasks) {
      throw limitExceeded(`Too many live tasks on this server (maxLiveTasks ${maxLiveTasks}); try again later`, {
        limit: 'maxLiveTasks',
        max: maxLiveTasks,
      });
    }
    const mine = this.perCaller.get(owner) ?? 0;
    if (mine >= maxLiveTasksPerCaller) {
      throw limitExceeded(
        `Too many live tasks for this caller (maxLiveTasksPerCaller ${maxLiveTasksPerCaller}); wait for one to finish or cancel one`,
        { limit: 'maxLiveTasksPerCaller', max: maxLiveTasksPerCaller },
      );
    }
    this.perCaller.set(owner, mine + 1);
    this.total++;
  }

  /**
   * Counts a task of `owner` that this process adopted in a takeover (its runner died), without a
   * check: the task exists already, and refusing it would lose it. The count may so pass a limit;
   * {@link admit} then refuses new tasks until it drains. {@link release} gives the slot back.
   */
  adopt(owner: string): void {
    this.perCaller.set(owner, (this.perCaller.get(owner) ?? 0) + 1);
    this.total++;
  }

  /** Gives back the slot of one task of `owner` that {@link admit} or {@link adopt} took. */
  release(owner: string): void {
    const mine = this.perCaller.get(owner);
    if (mine === undefined) return;
    this.total--;
    if (mine === 1) this.perCaller.delete(owner);
    else this.perCaller.set(owner, mine - 1);
  }

  /** Live tasks admitted and not yet released. */
  get size(): number {
    return this.total;
  }

  /** Callers with at least one live task (for leak checks). */
  get callers(): number {
    return this.perCaller.size;
  }
}

/** Bytes of `value` as JSON (UTF-8), what a store keeps and the wire carries. @internal */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** JSON of one text block around its text: `{"type":"text","text":""}` and a comma. */
const TEXT_BLOCK_BYTES = 26;
/** JSON of a text result around its blocks: `{"content":[]`, `,"isError":false` and `}`. */
const TEXT_RESULT_BYTES = 30;

/**
 * At least {@link jsonBytes} of `value` when it is a result of text blocks only (`content` of
 * `{ type: 'text', text }` blocks and maybe `isError`, nothing else); undefined for anything else.
 * No UTF-16 unit of a string takes more than 6 bytes in JSON (`\u001f`; 3 in UTF-8, 4 for a
 * surrogate pair), so a short result is known to fit a limit without serializing it. That saved
 * 5–7 µs of CPU per lifecycle in a same-process A/B (issue 14); the wake latency did not move
 * measurably, though timing marks put the serializing at about 50 µs after an idle spell.
 * @internal
 */
export function textResultBytesAtMost(value: unknown): number | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key in value) if (key !== 'content' && key !== 'isError') return undefined;
  const { content, isError } = value;
  if (!Array.isArray(content) || (isError !== undefined && typeof isError !== 'boolean')) return undefined;
  let bytes = TEXT_RESULT_BYTES;
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i];
    if (!isPlainObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') return undefined;
    for (const key in block) if (key !== 'type' && key !== 'text') return undefined;
    bytes += TEXT_BLOCK_BYTES + 6 * block['text'].length;
  }
  return bytes;
}
