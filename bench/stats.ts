/** Small numeric helpers for the benchmark (no dependencies, so every figure is traceable). */

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Lets the event loop turn. The SDK's in-memory transport delivers messages synchronously, so a
 * loop of in-memory requests would otherwise run on microtasks alone and starve every timer and
 * I/O callback (a real transport always yields between messages).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `job(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool(total: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      await job(next++);
      await yieldToEventLoop();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

/**
 * Open loop: starts `one(i)` for i in [0, runs) at a fixed rate, whatever the previous ones are
 * doing, and waits for all of them. Every implementation then faces the same offered load, which a
 * closed loop would not give (a slow-polling implementation would throttle its own clients).
 */
export async function openLoop(runs: number, perSecond: number, one: (i: number) => Promise<void>): Promise<void> {
  const interval = 1000 / perSecond;
  const start = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < runs; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(one(i));
  }
  await Promise.all(running);
}

/** A closed-loop measurement: wall-clock rate and the process's CPU time per completed job. */
export interface Throughput {
  perSecond: number;
  /** CPU µs (user + system, process.cpuUsage) of this whole process per completed job: client and server alike. */
  cpuUsPerOp: number;
  completed: number;
  elapsedMs: number;
  /** How long the warm-up ran before the rate settled (ms). */
  warmupMs: number;
}

/** Length of one warm-up window; the warm-up ends once two windows in a row agree. */
const WARMUP_WINDOW_MS = 500;
/** Two consecutive windows agree when their rates and CPU per job differ by at most this fraction. */
const SETTLED_WITHIN = 0.1;

/**
 * Closed-loop throughput: `concurrency` workers call `job` back to back. The warm-up runs in
 * 500 ms windows until two windows in a row agree within 10 % on rate and CPU per job (JIT and
 * lazily grown maps settle; a fixed 0.5 s was too short for this library under load), at least
 * `minWarmupMs` and at most `maxWarmupMs`; then `measureMs` is measured. CPU per job comes from
 * process.cpuUsage, which on a shared machine stays steady where the wall-clock rate swings.
 */
export async function throughput(
  job: () => Promise<unknown>,
  options: { concurrency: number; minWarmupMs?: number; maxWarmupMs?: number; measureMs: number },
): Promise<Throughput> {
  let stop = false;
  let completed = 0;
  const lane = async (): Promise<void> => {
    while (!stop) {
      await job();
      completed++;
      await yieldToEventLoop();
    }
  };
  const window = async (ms: number) => {
    const done0 = completed;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    await sleep(ms);
    const cpu = process.cpuUsage(cpu0);
    const elapsedMs = performance.now() - start;
    const n = completed - done0;
    return { perSecond: (n * 1000) / elapsedMs, cpuUsPerOp: n > 0 ? (cpu.user + cpu.system) / n : NaN, completed: n, elapsedMs };
  };
  const close = (a: number, b: number) => Math.abs(a - b) <= SETTLED_WITHIN * Math.max(a, b);
  const lanes = Array.from({ length: options.concurrency }, lane);
  const warmStart = performance.now();
  const minWarmup = options.minWarmupMs ?? 1_000;
  const maxWarmup = options.maxWarmupMs ?? 10_000;
  let previous = await window(WARMUP_WINDOW_MS);
  for (;;) {
    const current = await window(WARMUP_WINDOW_MS);
    const spent = performance.now() - warmStart;
    const settled = close(previous.perSecond, current.perSecond) && close(previous.cpuUsPerOp, current.cpuUsPerOp);
    if ((settled && spent >= minWarmup) || spent >= maxWarmup) break;
    previous = current;
  }
  const warmupMs = performance.now() - warmStart;
  const measured = await window(options.measureMs);
  stop = true;
  await Promise.all(lanes);
  return { ...measured, warmupMs };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collects garbage until the heap stops shrinking; needs `--expose-gc`. Returns heapUsed in bytes. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Until a collection frees less than 0.1 % (at most 5): repeated full GCs of a heap of
  // hundreds of MB take seconds, and the last ones only shave off noise.
  let last = Infinity;
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.999) return used;
    last = used;
  }
  return process.memoryUsage().heapUsed;
}

/** Rounds for display. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
