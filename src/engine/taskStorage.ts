import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore, WaitOptions } from '../backends/TaskStore.js';
import { mcpError } from '../errors.js';
import type { TaskOutcome, TaskPage, TaskRecord } from '../types.js';
import { EmptyQueues } from './EmptyQueues.js';
import { SETTLED } from './LiveTask.js';
import { ErrorCode } from '../wire.js';

/**
 * Whether a task is past its ttl (createdAt + ttl) by this instance's clock. Clients are never shown
 * such a task, though its record may still be stored for a moment: the engine that runs it deletes
 * it at that deadline, but on another instance (or a worker pool's front) the delete lands a round
 * trip later, and Redis's own expiry follows Redis's clock. So every instance agrees from the
 * deadline on (also under a test's fake clock); the engine's own reads still see the record, to end
 * and delete it.
 */
export function isPastTtl(record: TaskRecord, now = Date.now()): boolean {
  return isoTime(record.createdAt) + record.ttl <= now;
}

let lastIso = '';
let lastTime = NaN;

/**
 * `Date.parse(iso)`, faster for the form `toISOString` writes (`YYYY-MM-DDTHH:mm:ss.sssZ`, what
 * every record's `createdAt` is): the last string is remembered (tasks created in the same
 * millisecond share theirs), and a new one is read digit by digit. Date.parse was about 0.5 µs a
 * call, and a cancel checks the ttl twice (issue 14). Any other form goes to Date.parse.
 * @internal
 */
export function isoTime(iso: string): number {
  if (iso === lastIso) return lastTime;
  const time = canonicalIsoTime(iso) ?? Date.parse(iso);
  lastIso = iso;
  lastTime = time;
  return time;
}

/** Positions of the separators of `YYYY-MM-DDTHH:mm:ss.sssZ` and the character at each. */
const SEPARATORS: readonly (readonly [number, number])[] = [
  [4, 0x2d],
  [7, 0x2d],
  [10, 0x54],
  [13, 0x3a],
  [16, 0x3a],
  [19, 0x2e],
  [23, 0x5a],
];

/** The time of a `YYYY-MM-DDTHH:mm:ss.sssZ` string with a valid date and time, else undefined. */
function canonicalIsoTime(iso: string): number | undefined {
  if (iso.length !== 24) return undefined;
  for (const [at, code] of SEPARATORS) if (iso.charCodeAt(at) !== code) return undefined;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 7);
  const day = digits(iso, 8, 10);
  const hours = digits(iso, 11, 13);
  const minutes = digits(iso, 14, 16);
  const seconds = digits(iso, 17, 19);
  const ms = digits(iso, 20, 23);
  // Out of range (or not digits: NaN fails every comparison): left to Date.parse, which refuses it.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return undefined;
  if (!(hours <= 23 && minutes <= 59 && seconds <= 59 && ms >= 0)) return undefined;
  return (daysFromEpoch(year, month, day) * 86_400 + hours * 3_600 + minutes * 60 + seconds) * 1_000 + ms;
}

/** The decimal number in `text` from `from` to `to`, NaN if a character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the date in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The reads and queue moves protocols make on the engine's store and queue (`engine.storage`):
 * the engine still owns both, and writes only through its actors; this is what others may do.
 * @internal
 */
export class TaskStorage {
  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskMessageQueue,
    private readonly logger: Pick<Console, 'error'>,
    private readonly emptyQueues = new EmptyQueues(),
    /** The task's store writes still under way on this instance (its write chain), settled when none. */
    private readonly writes?: (taskId: string) => Promise<void>,
  ) {}

  /** The record whoever owns it, undefined once gone (for a caller that holds the task already). */
  find(taskId: string): Promise<TaskRecord | undefined> {
    return this.store.get(taskId);
  }

  /** A page of the owner's tasks, without those past their ttl (see {@link isPastTtl}). */
  async list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const page = await this.store.list(owner, cursor, limit);
    return page.tasks.some((record) => isPastTtl(record)) ? { ...page, tasks: page.tasks.filter((record) => !isPastTtl(record)) } : page;
  }

  /** The outcome of a terminal task; undefined while it runs, and once it is gone. */
  findOutcome(taskId: string): Promise<TaskOutcome | undefined> {
    return this.store.getOutcome(taskId);
  }

  /** The outcome of a terminal task. */
  async outcome(taskId: string): Promise<TaskOutcome> {
    const outcome = await this.findOutcome(taskId);
    if (!outcome) throw mcpError(ErrorCode.InternalError, `Task ${taskId} has no stored outcome`);
    return outcome;
  }

  /** Resolves when the task is terminal (or gone); `signal` ends the wait. */
  waitForTerminal(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    return this.store.waitForTerminal(taskId, signal, options);
  }

  /** Resolves when a message is queued for the task's `tasks/result`; `signal` ends the wait. */
  waitForMessage(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    return this.queue.waitForMessage(taskId, signal, options);
  }

  /**
   * Takes every message queued for `tasks/result` (the FIFO role of the queue). A task that ended
   * here with nothing ever queued is answered without reading the queue (see {@link EmptyQueues}).
   */
  takeMessages(taskId: string): Promise<QueuedMessage[]> {
    if (this.emptyQueues.take(taskId)) return Promise.resolve([]);
    const taken = this.queue.dequeueAll(taskId);
    return this.writes ? taken.then((batch) => this.afterWrites(taskId, batch)) : taken;
  }

  /**
   * A request goes out (on a `tasks/result`, or pushed: TaskPort's pushQueued takes through here
   * too) only after the task's writes before it: the work queued it first, then its actor stored
   * `input_required`. On a slow store (Redis Cluster under load) the client otherwise read
   * `working` while answering.
   */
  private afterWrites(taskId: string, batch: QueuedMessage[]): QueuedMessage[] | Promise<QueuedMessage[]> {
    if (!this.writes || !batch.some((message) => message.kind === 'request')) return batch;
    return this.writes(taskId).then(() => batch);
  }

  /** Puts messages back at the front of the FIFO, for the next `tasks/result`. */
  returnMessages(taskId: string, messages: QueuedMessage[]): Promise<void> {
    return this.queue.requeue(taskId, messages);
  }

  /**
   * Puts delivered, still unanswered requests back for the next `tasks/result`. Most calls
   * delivered none: those touch no queue and make no async frame (every caller may pass an empty list).
   */
  putBack(taskId: string, delivered: readonly QueuedRequest[]): Promise<void> {
    if (delivered.length === 0) return SETTLED;
    return putBackUnanswered(this.queue, this.logger, taskId, delivered);
  }

  /** Whether the task still waits for the answer to `requestId` (the registry role of the queue). */
  isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return this.queue.isOutstanding(taskId, requestId);
  }

  /** The task's requests still waiting for an answer. */
  outstanding(taskId: string): Promise<QueuedRequest[]> {
    return this.queue.outstanding(taskId);
  }
}

/**
 * Puts delivered requests that are still unanswered back at the front of the queue, for the next
 * `tasks/result` (the stream that carried them is gone). Best effort, never rejects: a store that
 * is away now must not turn a call's own answer into an error; the requests stay outstanding.
 */
export async function putBackUnanswered(
  queue: TaskMessageQueue,
  logger: Pick<Console, 'error'>,
  taskId: string,
  delivered: readonly QueuedRequest[],
): Promise<void> {
  try {
    const unanswered: QueuedMessage[] = [];
    for (const m of delivered) if (await queue.isOutstanding(taskId, m.requestId)) unanswered.push(m);
    if (unanswered.length > 0) await queue.requeue(taskId, unanswered);
  } catch (error) {
    logger.error(`mcp-task-actors: could not put back the requests of task ${taskId} for the next tasks/result`, error);
  }
}
