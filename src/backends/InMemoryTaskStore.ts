import { decodeCursor, encodeCursor } from './cursor.js';
import type { EndedTask, TaskRecordStore } from './TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord, TerminalTaskStatus } from '../types.js';
import { isoString } from '../isoTime.js';
import { Waiters } from './Waiters.js';
import { cutStatusMessage, maxStatusMessageLengthOf } from './statusMessageLimit.js';

/**
 * One stored task. Its fields are those of the plain object it was before (the outcome is added
 * when it settles), so a live task's entry costs what it did; whether its record is plain
 * ({@link isPlain}) is the class's, not a field of each entry.
 */
class Entry {
  declare outcome?: TaskOutcome;

  constructor(
    public record: TaskRecord,
    /** Position in its owner's creation order, what list cursors point at. */
    readonly seq: number,
  ) {}

  /** The record has TaskRecord's keys only, each defined ({@link isPlain}): copied by {@link plainCopy}. */
  get plain(): boolean {
    return true;
  }
}

/** The entry of a record with a key TaskRecord does not have, or an optional one set to undefined: copied key by key. */
class KeyedEntry extends Entry {
  override get plain(): boolean {
    return false;
  }
}

/**
 * One owner's tasks in creation order, for `list`. Entries are appended (their `seq` only grows)
 * and a deleted one is only counted, until half the array is dead and it is compacted; so the
 * page after any cursor is found by binary search, O(log n), where walking the owner's tasks from
 * the start made a page deep in a 100,000-task list cost a scan of all of them.
 */
class OwnerIndex {
  private entries: Entry[] = [];
  private dead = 0;
  /**
   * The last position handed out. Counted per owner, as RedisTaskStore does: one count for all
   * owners put every other caller's creations into this owner's cursors, so listing twice told a
   * caller how many tasks everyone else had created in between.
   */
  private last = 0;

  constructor(private readonly isLive: (entry: Entry) => boolean) {}

  /** The position of this owner's next task. */
  next(): number {
    return ++this.last;
  }

  add(entry: Entry): void {
    this.entries.push(entry);
  }

  /** Counts one deleted entry; compacts once the dead ones are the majority. */
  removed(): void {
    this.dead++;
    if (this.dead > 32 && this.dead * 2 > this.entries.length) {
      this.entries = this.entries.filter(this.isLive);
      this.dead = 0;
    }
  }

  get size(): number {
    return this.entries.length - this.dead;
  }

  /** Live entries with `seq` greater than `after`, oldest first. */
  *after(after: number): Generator<Entry> {
    const { entries } = this;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (entries[middle]!.seq <= after) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < entries.length; i++) {
      const entry = entries[i]!;
      if (this.isLive(entry)) yield entry;
    }
  }
}

/**
 * The in-process {@link TaskStore}: records in a Map, one creation-ordered index per owner for
 * `list`. Deletion at the end of the ttl is driven by `TaskSupport`'s expiry schedule.
 */
export class InMemoryTaskRecordStore implements TaskRecordStore {
  /** Longest `statusMessage` kept (UTF-16 code units); a longer one is cut (statusMessageLimit.ts). */
  private readonly maxStatusMessageLength: number;
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, OwnerIndex>();
  private readonly isLive = (entry: Entry): boolean => this.entries.get(entry.record.taskId) === entry;
  private readonly terminal = new Waiters();

  /**
   * @param options.maxStatusMessageLength - Longest `statusMessage` kept, in UTF-16 code units: a
   *   longer one is cut to that many, ending in `…` and never inside a surrogate pair. Default
   *   4,096; `Infinity` keeps any. See docs/limits.md.
   */
  constructor(options: { maxStatusMessageLength?: number } = {}) {
    this.maxStatusMessageLength = maxStatusMessageLengthOf(options.maxStatusMessageLength);
  }

  async create(record: TaskRecord): Promise<void> {
    if (this.entries.has(record.taskId)) throw new Error(`Task ${record.taskId} already exists`);
    let owned = this.byOwner.get(record.owner);
    if (!owned) this.byOwner.set(record.owner, (owned = new OwnerIndex(this.isLive)));
    const seq = owned.next();
    const statusMessage = cutStatusMessage(record.statusMessage, this.maxStatusMessageLength);
    let entry: Entry;
    if (isPlain(record)) entry = new Entry(plainCopy(record, record.status, record.lastUpdatedAt, statusMessage), seq);
    else {
      entry = new KeyedEntry({ ...record }, seq);
      if (statusMessage !== record.statusMessage) entry.record.statusMessage = statusMessage;
    }
    this.entries.set(record.taskId, entry);
    owned.add(entry);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const entry = this.entries.get(taskId);
    return entry ? copyOf(entry) : undefined;
  }

  async update(
    taskId: string,
    status: 'working' | 'input_required',
    statusMessage?: string,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    const entry = this.entries.get(taskId);
    if (!entry || isTerminal(entry.record.status) || fenced(entry.record, runner)) return undefined;
    entry.record = withStatus(entry, status, cutStatusMessage(statusMessage, this.maxStatusMessageLength));
    return copyOf(entry);
  }

  async settle(
    taskId: string,
    status: TerminalTaskStatus,
    statusMessage: string | undefined,
    outcome: TaskOutcome,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    const entry = this.entries.get(taskId);
    if (!entry || isTerminal(entry.record.status) || fenced(entry.record, runner)) return undefined;
    entry.record = withStatus(entry, status, cutStatusMessage(statusMessage, this.maxStatusMessageLength));
    entry.outcome = outcome;
    this.terminal.wake(taskId);
    return copyOf(entry);
  }

  async getOutcome(taskId: string): Promise<TaskOutcome | undefined> {
    return this.entries.get(taskId)?.outcome;
  }

  /**
   * The stored entry itself when the task is terminal (its outcome is set with its terminal
   * status): no copy, no promise. Read by the engine only when TaskSupport made this store itself
   * (backends/ownStores.ts): a store a user passes in, even of this class or one made from it, is
   * read through its own `get` and `getOutcome`.
   * @internal
   */
  peekEnded(taskId: string): EndedTask | undefined {
    const entry = this.entries.get(taskId);
    return entry?.outcome !== undefined && isTerminal(entry.record.status) ? (entry as EndedTask) : undefined;
  }

  async list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const after = cursor === undefined ? 0 : decodeCursor(cursor);
    const tasks: TaskRecord[] = [];
    let last = after;
    let more = false;
    for (const entry of this.byOwner.get(owner)?.after(after) ?? []) {
      if (tasks.length === limit) {
        more = true;
        break;
      }
      tasks.push(copyOf(entry));
      last = entry.seq;
    }
    return more ? { tasks, nextCursor: encodeCursor(last) } : { tasks };
  }

  async delete(taskId: string): Promise<void> {
    const entry = this.entries.get(taskId);
    if (!entry) return;
    this.entries.delete(taskId);
    const owned = this.byOwner.get(entry.record.owner);
    owned?.removed();
    if (owned?.size === 0) this.byOwner.delete(entry.record.owner);
    this.terminal.wake(taskId);
  }

  waitForTerminal(taskId: string, signal: AbortSignal): Promise<void> {
    const entry = this.entries.get(taskId);
    if (!entry || isTerminal(entry.record.status)) return Promise.resolve();
    return this.terminal.wait(taskId, signal);
  }

  /** Number of stored tasks. */
  get size(): number {
    return this.entries.size;
  }
}

/** A write by a runner that no longer runs the task is refused. */
function fenced(record: TaskRecord, runner: string | undefined): boolean {
  return runner !== undefined && record.runner !== undefined && record.runner !== runner;
}

function withStatus(entry: Entry, status: TaskRecord['status'], statusMessage?: string): TaskRecord {
  const { record } = entry;
  if (entry.plain) return plainCopy(record, status, isoString(), statusMessage);
  // Copied key by key into a fresh object, so that every record shares one hidden class. Spread
  // then `delete`, or object rest, gave records slow properties or a hidden class of their own:
  // measured 15-90 bytes more per retained record and 2-7 times the time per update (`npm run bench`,
  // bench/workloads/memory.ts state `retained` and bench/workloads/speed.ts).
  const next: Record<string, unknown> = {};
  for (const key in record) if (key !== 'statusMessage') next[key] = record[key as keyof TaskRecord];
  next['status'] = status;
  next['lastUpdatedAt'] = isoString();
  if (statusMessage !== undefined) next['statusMessage'] = statusMessage;
  return next as unknown as TaskRecord;
}

/** A copy of the entry's record for a caller, who may change it. */
function copyOf(entry: Entry): TaskRecord {
  const { record } = entry;
  return entry.plain ? plainCopy(record, record.status, record.lastUpdatedAt, record.statusMessage) : { ...record };
}

/** TaskRecord's optional keys: a plain record has each only with a value. */
const OPTIONAL_KEYS = new Set(['statusMessage', 'runner', 'restart']);
/** TaskRecord's other keys: a plain record has every one. */
const REQUIRED_KEYS = new Set(['taskId', 'owner', 'status', 'createdAt', 'lastUpdatedAt', 'ttl', 'pollInterval']);

/**
 * Whether the record has every required key of TaskRecord, and no other key than TaskRecord's
 * optional ones, each defined: then {@link plainCopy} copies it exactly. Every record the engine
 * makes is one (engine/newTaskRecord.ts); a record of any other form is copied key by key.
 */
function isPlain(record: TaskRecord): boolean {
  let required = 0;
  for (const key in record) {
    if (REQUIRED_KEYS.has(key)) required++;
    else if (!OPTIONAL_KEYS.has(key) || record[key as keyof TaskRecord] === undefined) return false;
  }
  return required === REQUIRED_KEYS.size;
}

/**
 * A plain record (see {@link isPlain}) with this status, update time and message, written out
 * field by field: every copy of a record shares a few hidden classes, and it costs a tenth of a
 * key-by-key copy, whose `for…in` and keyed stores were 4 % of a cancel at 100,000 live tasks
 * (issue 14). A spread was slower still on these records.
 */
function plainCopy(record: TaskRecord, status: TaskRecord['status'], lastUpdatedAt: string, statusMessage: string | undefined): TaskRecord {
  const { taskId, owner, createdAt, ttl, pollInterval } = record;
  // The message in the literal: added afterwards, it went to a property array of its own (more
  // heap per retained task).
  const next: TaskRecord =
    statusMessage === undefined
      ? { taskId, owner, status, createdAt, lastUpdatedAt, ttl, pollInterval }
      : { taskId, owner, status, createdAt, lastUpdatedAt, ttl, pollInterval, statusMessage };
  if (record.restart !== undefined) next.restart = record.restart;
  if (record.runner !== undefined) next.runner = record.runner;
  return next;
}

/** @deprecated Renamed {@link InMemoryTaskRecordStore} (0.2): the SDK exports an `InMemoryTaskStore` of its own. Goes in the next minor release. */
export const InMemoryTaskStore = InMemoryTaskRecordStore;
/** @deprecated Renamed {@link InMemoryTaskRecordStore} (0.2). */
export type InMemoryTaskStore = InMemoryTaskRecordStore;
