import { decodeCursor, encodeCursor } from './cursor.js';
import type { TaskStore } from './TaskStore.js';
import { isTerminal } from './types.js';
import type { TaskOutcome, TaskPage, TaskRecord, TerminalTaskStatus } from './types.js';
import { Waiters } from './waiters.js';

interface Entry {
  record: TaskRecord;
  outcome?: TaskOutcome;
  /** Position in creation order, what list cursors point at. */
  seq: number;
}

/**
 * The in-process {@link TaskStore}: records in a Map, one insertion-ordered index per owner for
 * `list`. Deletion at the end of the ttl is driven by `TaskSupport`'s expiry schedule.
 */
export class InMemoryTaskStore implements TaskStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, Map<string, Entry>>();
  private readonly terminal = new Waiters();
  private seq = 0;

  async create(record: TaskRecord): Promise<void> {
    if (this.entries.has(record.taskId)) throw new Error(`Task ${record.taskId} already exists`);
    const entry: Entry = { record: { ...record }, seq: ++this.seq };
    this.entries.set(record.taskId, entry);
    let owned = this.byOwner.get(record.owner);
    if (!owned) this.byOwner.set(record.owner, (owned = new Map()));
    owned.set(record.taskId, entry);
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
    for (const entry of this.byOwner.get(owner)?.values() ?? []) {
      if (entry.seq <= after) continue;
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
    owned?.delete(taskId);
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
  const next: TaskRecord = { ...record, status, lastUpdatedAt: new Date().toISOString() };
  if (statusMessage === undefined) delete next.statusMessage;
  else next.statusMessage = statusMessage;
  return next;
}
