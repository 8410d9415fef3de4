import type { TaskRecordStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';

/**
 * How long after the store's end event of a task (ms) its slot waits for the end to be reported
 * (the worker's `status` to the front, a cancel, a lost job) before reading the record itself. The
 * worker reports right after its settle, so a normal end costs no read; a report that never comes
 * (a cancel or delete on another front, a tell lost to a blip) costs one, this much later.
 */
const CONFIRM_MS = 1_000;

/**
 * The reason a slot's store wait is stopped with: `abort()` without one builds a DOMException with
 * a stack each time (backends/Waiters.ts STOP_WAITING, which the engine may not import), once per task.
 */
const ENDED: unknown = Object.freeze({ ended: 'slot given back' });

/** The store's wait may skip its first look: the record was just created non-terminal. */
const LISTEN_ONLY = { listenOnly: true } as const;

/** One held slot: its caller, the stop of its store wait, its pending read. */
interface Slot {
  readonly owner: string;
  readonly stop: AbortController;
  confirm: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The live-task slots (`maxLiveTasks`, `maxLiveTasksPerCaller`) of the tasks a front created and
 * handed to a worker pool: no actor here ends them, so each slot is held from the dispatch until
 * the task's end is heard, and given back exactly once. Ends are heard from FrontLink (a worker's
 * terminal status report, a cancel, a lost job, the task's ttl, a failed dispatch, the front's
 * close) and, for ends no one reports here, from the store's settle and delete events, the ones
 * that wake `tasks/result`. The ttl bounds the hold when nothing is heard at all.
 * @internal
 */
export class DispatchedSlots {
  private readonly held = new Map<string, Slot>();

  constructor(
    private readonly store: Pick<TaskRecordStore, 'get' | 'waitForTerminal' | 'releaseSlot'>,
    /** TaskEngineOptions `release`: gives one slot of `owner` back. */
    private readonly release: (owner: string) => void,
  ) {}

  /** Holds the slot `admit` took for a task of `owner` created here, until {@link end}. */
  hold(taskId: string, owner: string): void {
    if (this.held.has(taskId)) return;
    const slot: Slot = { owner, stop: new AbortController(), confirm: undefined };
    this.held.set(taskId, slot);
    void this.watch(taskId, slot);
  }

  /**
   * The task ended (or will never be heard of again here): its slot goes back, once. `ended`: its
   * end was heard (terminal), so its slot in a store's shared count goes back too (TaskRecordStore
   * `releaseSlot`): the worker that settled it may have died before its own release, or counts
   * nothing. Not at close or ttl: a task still running keeps its shared slot (until its expiry).
   */
  end(taskId: string, ended = false): void {
    // Idempotent, and tried again by the store when Redis is away: nothing to wait for here.
    if (ended) this.store.releaseSlot?.(taskId).catch(() => {});
    const slot = this.held.get(taskId);
    if (!slot) return;
    this.held.delete(taskId);
    clearTimeout(slot.confirm);
    slot.stop.abort(ENDED);
    this.release(slot.owner);
  }

  /** Gives every slot back (the front is closing: it will hear no more ends). */
  endAll(): void {
    for (const taskId of [...this.held.keys()]) this.end(taskId);
  }

  /** Slots held (for leak checks). */
  get size(): number {
    return this.held.size;
  }

  /**
   * Waits for the store's next end event of the task. Also woken by a reconnect of the store's
   * subscription (every waiter re-checks then), so a wake is confirmed by a read before the slot
   * goes. A store whose wait throws leaves the slot to the other ends and the ttl.
   */
  private async watch(taskId: string, slot: Slot): Promise<void> {
    try {
      await this.store.waitForTerminal(taskId, slot.stop.signal, LISTEN_ONLY);
    } catch {
      return;
    }
    if (this.held.get(taskId) !== slot) return;
    slot.confirm = setTimeout(() => this.confirm(taskId, slot), CONFIRM_MS);
    slot.confirm.unref?.();
  }

  /** Reads the record once the wait of its end was armed again: gone or terminal, the slot goes. */
  private confirm(taskId: string, slot: Slot): void {
    slot.confirm = undefined;
    if (this.held.get(taskId) !== slot) return;
    // Armed before the read, so an end stored after it still wakes the next check.
    void this.watch(taskId, slot);
    this.store.get(taskId).then(
      (record) => {
        if (!record || isTerminal(record.status)) this.end(taskId, true);
      },
      // The store is away: its reconnect wakes the wait armed above.
      () => {},
    );
  }
}
