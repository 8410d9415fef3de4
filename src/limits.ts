import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { toMcpError } from './errors.js';

/**
 * JSON-RPC error code of every limit in {@link TaskLimits}: an implementation-defined server error
 * (JSON-RPC reserves -32000…-32099 for those), chosen to echo HTTP 429. `data.limit` names the
 * option that was hit and `data.max` its value, so a client can tell the limits apart.
 */
export const LIMIT_EXCEEDED = -32029;

/** The name of a limit, as reported in `error.data.limit`. */
export type LimitName = 'maxLiveTasks' | 'maxLiveTasksPerCaller' | 'maxQueuedInputRequests' | 'maxResultBytes';

/** What a {@link LIMIT_EXCEEDED} error carries in `data`. */
export interface LimitExceededData {
  limit: LimitName;
  max: number;
  /** The size that was refused, for `maxResultBytes`. */
  actual?: number;
  taskId?: string;
}

/**
 * How much one server process takes on. Each limit has a safe default and answers a clear JSON-RPC
 * error ({@link LIMIT_EXCEEDED}) when hit; `Infinity` turns one off. See `docs/limits.md`.
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
}

/** The defaults of {@link TaskLimits}. */
export const defaultTaskLimits: Readonly<Required<TaskLimits>> = Object.freeze({
  maxLiveTasks: 100_000,
  maxLiveTasksPerCaller: 10_000,
  maxQueuedInputRequests: 16,
  maxResultBytes: 4 * 1024 * 1024,
  minPollInterval: 100,
});

/** Fills in defaults and rejects nonsense (zero, negative, NaN) at construction time. @internal */
export function resolveLimits(limits: TaskLimits): Required<TaskLimits> {
  const resolved = { ...defaultTaskLimits };
  for (const key of Object.keys(defaultTaskLimits) as (keyof TaskLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (Number.isNaN(value) || value < 1) throw new RangeError(`${key} must be at least 1 (or Infinity), got ${value}`);
    resolved[key] = value;
  }
  return resolved;
}

/** The error a hit limit answers with. @internal */
export function limitExceeded(message: string, data: LimitExceededData): McpError {
  return toMcpError({ code: LIMIT_EXCEEDED, message, data });
}

/**
 * Counts live tasks per caller and in total, so admission is O(1) at any number of tasks.
 * `admit` throws the limit error or returns the release function, which is idempotent.
 * @internal
 */
export class LiveTaskCounter {
  private readonly perCaller = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: Pick<Required<TaskLimits>, 'maxLiveTasks' | 'maxLiveTasksPerCaller'>) {}

  admit(owner: string): () => void {
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
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perCaller.get(owner) ?? 1) - 1;
      if (left === 0) this.perCaller.delete(owner);
      else this.perCaller.set(owner, left);
    };
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
