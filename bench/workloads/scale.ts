import type { BenchImpl } from '../impls/types.js';
import { median, percentile, pool, settledHeap } from '../stats.js';
import { WireClient } from '../wireClient.js';
import { designFloor } from './floor.js';
import { waitFor, waitForStatus } from './memory.js';
import type { Metrics } from './speed.js';

/**
 * Rounds of the window "near 1,000 live": each creates 2,000 live tasks (then cancels them); the
 * median round counts. The first three batches of the 100,000 used to be that window: one
 * scavenge or old-space collection more or less in 3,000 tasks moved it by half, in both
 * implementations (CPU per task of single batches ranged 54–237 µs in one run).
 */
const NEAR_FIRST_ROUNDS = 5;
/**
 * Batches of the window "near 100,000 live": tasks 90,000–100,000. Ten batches, so that the
 * old-space collections a heap that size brings (one can take a second) are counted as often as
 * they occur, instead of making or missing a two-batch window.
 */
const NEAR_LAST = 10;

/**
 * 100,000 live tasks in one process: creation rate near 1,000 live and near 100,000 live (tasks
 * created in batches of 1,000 at concurrency 64, after a warm-up of the create and cancel paths), heap, tasks/list page time (first page, and
 * every page of a full walk), and the time to cancel them all; then the design's floor at that
 * count ({@link designFloor}).
 */
export async function liveScale(impl: BenchImpl, count = 100_000, walkBudgetMs = 5_000): Promise<Metrics> {
  const wire = await WireClient.connect(impl.createSession());
  const warm = await WireClient.connect(impl.createSession());
  const warmupMs = await warmUpCreateCancel(impl, warm);
  const near1k: CreateRound[] = [];
  for (let round = 0; round < NEAR_FIRST_ROUNDS; round++) near1k.push(await createAndCancel(impl, warm, 2_000));
  const ids: string[] = new Array<string>(count).fill('');
  const before = await settledHeap();
  // The forced collections above leave the process slow for the next 2,000-3,000 creations (the
  // young generation shrunk to its minimum must grow back), which the window near 1,000 live would
  // otherwise time. One more warm-up round after the baseline; its 2,000 cancelled tasks stay
  // retained and add about 15 bytes to the heap per live task below (2,000 x 0.7 KB / 100,000).
  await createAndCancel(impl, warm, 2_000);
  const batchMs: number[] = [];
  const batchCpuUs: number[] = [];
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const batches = count / 1_000;
  for (let batch = 0; batch < batches; batch++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await pool(1_000, 64, async (i) => {
      const index = batch * 1_000 + i;
      ids[index] = await wire.createTask('hang', index);
    });
    batchMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    batchCpuUs.push(c.user + c.system);
  }
  const totalMs = performance.now() - started;
  const totalCpu = process.cpuUsage(cpuStart);
  if (process.env.BENCH_TRACE) {
    for (let b = 0; b < batchMs.length; b += b < 6 ? 1 : 10)
      console.error(`batch ${b}: ${batchMs[b]!.toFixed(0)} ms, ${(batchCpuUs[b]! / 1000).toFixed(1)} µs/task`);
  }
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
  const cancelCpu0 = process.cpuUsage();
  await pool(count, 64, (i) => wire.request('tasks/cancel', { taskId: ids[i] }));
  const cancelMs = performance.now() - cancelStart;
  const cancelCpu = process.cpuUsage(cancelCpu0);
  await waitForStatus(impl, ids, 'cancelled');
  const floor = await designFloor(count);
  return {
    ...floor,
    liveTasks: count,
    createPerSecAll: (count * 1000) / totalMs,
    createPerSecAt1k: median(near1k.map((round) => round.perSecond)),
    createPerSecAt100k: rate(batches - NEAR_LAST, batches),
    bytesPerLiveTask: (after - before) / count,
    heapMB: after / 2 ** 20,
    listFirstPageMs: percentile(firstPage, 50),
    listPagesWalked: pageMs.length,
    listWalkedAll: walkedAll ? 1 : 0,
    listPageMeanMs: pageMs.reduce((a, b) => a + b, 0) / pageMs.length,
    listPageP99Ms: percentile(pageMs, 99),
    listLastPageMs: pageMs[pageMs.length - 1]!,
    cancelAllMs: cancelMs,
    createCpuUs: (totalCpu.user + totalCpu.system) / count,
    cancelCpuUs: (cancelCpu.user + cancelCpu.system) / count,
    createCpuUsAt1k: median(near1k.map((round) => round.cpuUs)),
    createCpuUsAt100k: sum(batchCpuUs.slice(batches - NEAR_LAST)) / (NEAR_LAST * 1_000),
    warmupMs,
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Warm-up of the paths the scale workload times: rounds of 2,000 live tasks created and then all
 * cancelled (on a session of its own, so they stay out of the measured list), until two rounds in
 * a row agree within 10 % on CPU per created task (at least 2, at most 8 rounds). The rate near
 * 1,000 live used to be taken from a still-cold process (2,000 instant tasks of warm-up), which
 * made it look as if creation got faster as live tasks piled up. Returns the time it took (ms).
 */
async function warmUpCreateCancel(impl: BenchImpl, warm: WireClient): Promise<number> {
  const started = performance.now();
  let previous = NaN;
  for (let round = 0; round < 8; round++) {
    const perTask = (await createAndCancel(impl, warm, 2_000)).cpuUs;
    if (round >= 1 && Math.abs(perTask - previous) <= 0.1 * Math.max(perTask, previous)) break;
    previous = perTask;
  }
  return performance.now() - started;
}

/** CPU µs per created task and tasks created per second, of one round of {@link createAndCancel}. */
interface CreateRound {
  cpuUs: number;
  perSecond: number;
}

/** Creates `count` live tasks on `warm`, then cancels them; returns what the creating cost. */
async function createAndCancel(impl: BenchImpl, warm: WireClient, count: number): Promise<CreateRound> {
  const ids: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(count, 64, async (i) => void ids.push(await warm.createTask('hang', 5_000_000 + i)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await waitFor(() => impl.probes.parked >= ids.length);
  await pool(ids.length, 64, (i) => warm.request('tasks/cancel', { taskId: ids[i] }));
  impl.probes.parked = 0;
  return { cpuUs: (cpu.user + cpu.system) / ids.length, perSecond: (ids.length * 1000) / ms };
}

/** 200,000 retained finished tasks (1,000,000 until the bench had to fit in 8 minutes): heap, and tasks/get time among them. */
export async function retainedScale(impl: BenchImpl, count = 200_000): Promise<Metrics> {
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
