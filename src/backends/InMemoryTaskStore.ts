import { decodeCursor, encodeCursor } from './cursor.js';
import type { TaskRecordStore } from './TaskStore.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord, TerminalTaskStatus } from '../types.js';
import { Waiters } from './Waiters.js';

interface Entry {
  record: TaskRecord;
  outcome?: TaskOutcome;
  /** Position in creation order, what list cursors point at. */
  seq: number;
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

  constructor(private readonly isLive: (entry: Entry) => boolean) {}

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
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, OwnerIndex>();
  private readonly isLive = (entry: Entry): boolean => this.entries.get(entry.record.taskId) === entry;
  private readonly terminal = new Waiters();
  private seq = 0;

  async create(record: TaskRecord): Promise<void> {
    if (this.entries.has(record.taskId)) throw new Error(`Task ${record.taskId} already exists`);
    const entry: Entry = { record: { ...record }, seq: ++this.seq };
    this.entries.set(record.taskId, entry);
    let owned = this.byOwner.get(record.owner);
    if (!owned) this.byOwner.set(record.owner, (owned = new OwnerIndex(this.isLive)));
    owned.add(entry);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const entry = this.entries.get(taskId);
    return entry ? { ...entry.record } : undefined;
  }

  async update(
    taskId: string,
    status: 'working' | 'input_required',
    statusMessage?: string,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    const entry = this.entries.get(taskId);
    if (!entry || isTerminal(entry.record.status) || fenced(entry.record, runner)) return undefined;
    entry.record = withStatus(entry.record, status, statusMessage);
    return { ...entry.record };
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
    entry.record = withStatus(entry.record, status, statusMessage);
    entry.outcome = outcome;
    this.terminal.wake(taskId);
    return { ...entry.record };
  }

  async getOutcome(taskId: string): Promise<TaskOutcome | undefined> {
    return this.entries.get(taskId)?.outcome;
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
      tasks.push({ ...entry.record });
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

function withStatus(record: TaskRecord, status: TaskRecord['status'], statusMessage?: string): TaskRecord {
  // Copied key by key into a fresh object, so that every record shares one hidden class. Spread
  // then `delete`, or object rest, gave records slow properties or a hidden class of their own:
  // measured 15-90 bytes more per retained record and 2-7 times the time per update (`npm run bench`,
  // bench/workloads/memory.ts state `retained` and bench/workloads/speed.ts).
  const next: Record<string, unknown> = {};
  for (const key in record) if (key !== 'statusMessage') next[key] = record[key as keyof TaskRecord];
  next['status'] = status;
  next['lastUpdatedAt'] = new Date().toISOString();
  if (statusMessage !== undefined) next['statusMessage'] = statusMessage;
  return next as unknown as TaskRecord;
}

/** @deprecated Renamed {@link InMemoryTaskRecordStore} (0.2): the SDK exports an `InMemoryTaskStore` of its own. Goes in the next minor release. */
export const InMemoryTaskStore = InMemoryTaskRecordStore;
/** @deprecated Renamed {@link InMemoryTaskRecordStore} (0.2). */
export type InMemoryTaskStore = InMemoryTaskRecordStore;
