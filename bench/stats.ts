/** Small numeric helpers for the benchmark (no dependencies, so every figure is traceable). */

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
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

/**
 * Closed-loop throughput: `concurrency` workers call `job` back to back; a warm-up period is run
 * first and not counted. Returns completed jobs per second over the measured window.
 */
export async function throughput(
  job: () => Promise<unknown>,
  options: { concurrency: number; warmupMs: number; measureMs: number; onMeasureStart?: () => void },
): Promise<{ perSecond: number; completed: number; elapsedMs: number }> {
  let counting = false;
  let stop = false;
  let completed = 0;
  const lane = async (): Promise<void> => {
    while (!stop) {
      await job();
      if (counting) completed++;
      await yieldToEventLoop();
    }
  };
  const lanes = Array.from({ length: options.concurrency }, lane);
  await sleep(options.warmupMs);
  counting = true;
  options.onMeasureStart?.();
  const start = performance.now();
  await sleep(options.measureMs);
  counting = false;
  const elapsedMs = performance.now() - start;
  stop = true;
  await Promise.all(lanes);
  return { perSecond: (completed * 1000) / elapsedMs, completed, elapsedMs };
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
