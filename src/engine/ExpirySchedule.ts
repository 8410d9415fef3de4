import { MAX_TIMER_MS } from '../timerBounds.js';

/** Capacity of a fresh schedule's arrays (they double as deadlines pile up). */
const INITIAL_CAPACITY = 64;

/**
 * Deadlines for many tasks behind a single timer: a binary min-heap ordered by due time, so a
 * million retained tasks cost one timer and O(log n) per schedule.
 *
 * The heap is two parallel arrays, the due times in a Float64Array and the keys in a plain array,
 * not an array of `{ at, key }` entries: an entry object and the boxed number of its `at` (a time
 * in ms since the epoch is no small integer) cost 56 bytes per live task, and every sift moved
 * objects the collector then had to trace (issue 14; bench/scaleAb.ts).
 * @internal
 */
export class ExpirySchedule {
  private ats = new Float64Array(INITIAL_CAPACITY);
  private keys: string[] = [];
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** Keys whose deadline was dropped ({@link drop}) but is still in the heap; made on first use. */
  private dropped: Set<string> | undefined;

  constructor(
    private readonly onDue: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `onDue(key)` at `at` (ms since epoch) or soon after. */
  schedule(key: string, at: number): void {
    if (this.count === this.ats.length) {
      const grown = new Float64Array(this.ats.length * 2);
      grown.set(this.ats);
      this.ats = grown;
    }
    const { ats, keys } = this;
    // Sift up: parents due later move down one level, then the new deadline goes in the gap.
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (ats[parent]! <= at) break;
      ats[i] = ats[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    ats[i] = at;
    keys[i] = key;
    this.arm();
  }

  /**
   * Drops `key`'s deadline (its task was forgotten early): skipped when due, and once dropped
   * deadlines are more than half of the heap, the heap is rebuilt without them, so deadlines of
   * forgotten tasks never outnumber the live ones (an inline-answered call dismisses its task at
   * once, and kept its deadline for the whole ttl).
   */
  drop(key: string): void {
    (this.dropped ??= new Set()).add(key);
    if (this.dropped.size * 2 > this.count) this.compact();
  }

  /** Stops the timer; nothing fires afterwards. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.reset();
  }

  /** Number of scheduled deadlines (dropped ones not counted). */
  get size(): number {
    return Math.max(0, this.count - (this.dropped?.size ?? 0));
  }

  private arm(): void {
    if (this.count === 0) return;
    const next = this.ats[0]!;
    if (next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    // Long timers are capped: setTimeout overflows past 2^31 ms.
    const delay = Math.min(Math.max(0, next - this.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    while (this.count > 0 && this.ats[0]! <= now) {
      const key = this.pop();
      if (!this.dropped?.delete(key)) this.onDue(key);
    }
    // Arrays keep their peak capacity; after a burst drains, give that memory back.
    if (this.count === 0) this.reset();
    this.arm();
  }

  private reset(): void {
    this.count = 0;
    this.ats = new Float64Array(INITIAL_CAPACITY);
    this.keys = [];
    this.dropped = undefined;
  }

  /** Rebuilds the heap without the dropped deadlines (bottom-up, O(n)); a key dropped that was not in it is forgotten too. */
  private compact(): void {
    const { ats, keys, dropped } = this;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      if (dropped?.has(keys[i]!)) continue;
      ats[kept] = ats[i]!;
      keys[kept++] = keys[i]!;
    }
    keys.length = kept;
    this.count = kept;
    this.dropped = undefined;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i, ats[i]!, keys[i]!);
    if (kept === 0) this.reset();
  }

  /** Removes and returns the key due first. */
  private pop(): string {
    const { ats, keys } = this;
    const top = keys[0]!;
    const last = --this.count;
    const at = ats[last]!;
    const key = keys[last]!;
    keys.length = last;
    // The last deadline sinks from the root past every child due earlier.
    if (last > 0) this.siftDown(0, at, key);
    return top;
  }

  /** Puts the deadline (`at`, `key`) at `i` or below it, past every child due earlier. */
  private siftDown(start: number, at: number, key: string): void {
    const { ats, keys, count } = this;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= count) break;
      const r = l + 1;
      const m = r < count && ats[r]! < ats[l]! ? r : l;
      if (ats[m]! >= at) break;
      ats[i] = ats[m]!;
      keys[i] = keys[m]!;
      i = m;
    }
    ats[i] = at;
    keys[i] = key;
  }
}
