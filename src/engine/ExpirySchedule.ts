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

  /** Stops the timer; nothing fires afterwards. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.reset();
  }

  /** Number of scheduled deadlines. */
  get size(): number {
    return this.count;
  }

  private arm(): void {
    if (this.count === 0) return;
    const next = this.ats[0]!;
    if (next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    // Long timers are capped: setTimeout overflows past 2^31 ms.
    const delay = Math.min(Math.max(0, next - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    while (this.count > 0 && this.ats[0]! <= now) this.onDue(this.pop());
    // Arrays keep their peak capacity; after a burst drains, give that memory back.
    if (this.count === 0) this.reset();
    this.arm();
  }

  private reset(): void {
    this.count = 0;
    this.ats = new Float64Array(INITIAL_CAPACITY);
    this.keys = [];
  }

  /** Removes and returns the key due first. */
  private pop(): string {
    const { ats, keys } = this;
    const top = keys[0]!;
    const last = --this.count;
    const at = ats[last]!;
    const key = keys[last]!;
    keys.length = last;
    if (last > 0) {
      // Sift down: the last deadline sinks from the root past every child due earlier.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        const m = r < last && ats[r]! < ats[l]! ? r : l;
        if (ats[m]! >= at) break;
        ats[i] = ats[m]!;
        keys[i] = keys[m]!;
        i = m;
      }
      ats[i] = at;
      keys[i] = key;
    }
    return top;
  }
}
