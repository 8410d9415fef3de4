import type { BenchImpl } from '../impls/types.js';
import { percentile, pool, settledHeap } from '../stats.js';
import { WireClient } from '../wireClient.js';
import { waitFor, waitForStatus } from './memory.js';
import type { Metrics } from './speed.js';

/**
 * 100,000 live tasks in one process: creation rate near 1,000 live and near 100,000 live (tasks
 * created in batches of 1,000 at concurrency 64), heap, tasks/list page time (first page, and
 * every page of a full walk), and the time to cancel them all.
 */
export async function liveScale(impl: BenchImpl, count = 100_000, walkBudgetMs = 5_000): Promise<Metrics> {
  const wire = await WireClient.connect(impl.createSession());
  const warm = await WireClient.connect(impl.createSession());
  await pool(2_000, 64, (i) => warm.createTask('instant', i));
  const ids: string[] = new Array<string>(count).fill('');
  const before = await settledHeap();
  const batchMs: number[] = [];
  const started = performance.now();
  for (let batch = 0; batch < count / 1_000; batch++) {
    const t0 = performance.now();
    await pool(1_000, 64, async (i) => {
      const index = batch * 1_000 + i;
      ids[index] = await wire.createTask('hang', index);
    });
    batchMs.push(performance.now() - t0);
  }
  const totalMs = performance.now() - started;
  await waitFor(() => impl.probes.parked >= count);
  await waitForStatus(impl, ids, 'working');
  const after = await settledHeap();
  const rate = (from: number, to: number) => ((to - from) * 1_000 * 1000) / batchMs.slice(from, to).reduce((a, b) => a + b, 0);

  const firstPage: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await wire.request('tasks/list', {});
    firstPage.push(performance.now() - t0);
  }
  const pageMs: number[] = [];
  let cursor: string | undefined;
  const walkStart = performance.now();
  do {
    const t0 = performance.now();
    const page = await wire.request<{ tasks: unknown[]; nextCursor?: string }>('tasks/list', cursor ? { cursor } : {});
    pageMs.push(performance.now() - t0);
    cursor = page.nextCursor;
  } while (cursor !== undefined && performance.now() - walkStart < walkBudgetMs);
  const walkedAll = cursor === undefined;

  const cancelStart = performance.now();
  await pool(count, 64, (i) => wire.request('tasks/cancel', { taskId: ids[i] }));
  const cancelMs = performance.now() - cancelStart;
  await waitForStatus(impl, ids, 'cancelled');
  return {
    liveTasks: count,
    createPerSecAll: (count * 1000) / totalMs,
    createPerSecAt1k: rate(1, 3),
    createPerSecAt100k: rate(count / 1_000 - 2, count / 1_000),
    bytesPerLiveTask: (after - before) / count,
    heapMB: after / 2 ** 20,
    listFirstPageMs: percentile(firstPage, 50),
    listPagesWalked: pageMs.length,
    listWalkedAll: walkedAll ? 1 : 0,
    listPageMeanMs: pageMs.reduce((a, b) => a + b, 0) / pageMs.length,
    listPageP99Ms: percentile(pageMs, 99),
    listLastPageMs: pageMs[pageMs.length - 1]!,
    cancelAllMs: cancelMs,
  };
}

/** 1,000,000 retained finished tasks: heap, and tasks/get time among them. */
export async function retainedScale(impl: BenchImpl, count = 1_000_000): Promise<Metrics> {
  const wire = await WireClient.connect(impl.createSession());
  await pool(2_000, 64, (i) => wire.createTask('instant', i));
  const ids: string[] = new Array<string>(count).fill('');
  const before = await settledHeap();
  const started = performance.now();
  await pool(count, 64, async (i) => {
    ids[i] = await wire.createTask('instant', i);
  });
  const createMs = performance.now() - started;
  // Spot-check a spread of them, then make sure the last ones have finished.
  await waitForStatus(
    impl,
    ids.filter((_, i) => i % 1_000 === 0 || i >= count - 1_000),
    'completed',
  );
  if (impl.liveActors) await waitFor(() => impl.liveActors!() === 0);
  const after = await settledHeap();
  const getMs: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const taskId = ids[Math.floor(Math.random() * count)]!;
    const t0 = performance.now();
    await wire.request('tasks/get', { taskId });
    getMs.push(performance.now() - t0);
  }
  return {
    retainedTasks: count,
    createPerSec: (count * 1000) / createMs,
    bytesPerRetainedTask: (after - before) / count,
    heapMB: after / 2 ** 20,
    getP50Ms: percentile(getMs, 50),
    getP99Ms: percentile(getMs, 99),
  };
}
