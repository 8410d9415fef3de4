import { setImmediate as nextTurn } from 'node:timers/promises';

/** Runs `job(0..count-1)` with at most `concurrency` running at once; rejects on the first failure. */
export async function pool(count: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Heap in use after full garbage collections (needs `--expose-gc`, set by vitest.load.config.ts). */
export async function forcedGcHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (npm run test:load)');
  // Several rounds, with turns of the event loop between, so weak refs and finalizers settle.
  for (let round = 0; round < 4; round++) {
    gc();
    await nextTurn();
  }
  return process.memoryUsage().heapUsed;
}

/** Waits (polling every few ms, for test bookkeeping only) until `check` holds. */
export async function until(check: () => boolean, what: string, budgetMs: number): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > budgetMs) throw new Error(`timed out after ${budgetMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A seeded PRNG (mulberry32), so a load run's random choices are the same every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
