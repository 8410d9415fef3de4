import type { BenchClient } from '../connect.js';
import type { BenchImpl } from '../impls/types.js';
import { openLoop, percentile, sleep, throughput } from '../stats.js';

export type Metrics = Record<string, number>;

/** Ceiling: plain, non-task tools/call on the same server and transport, at concurrency 1 and 64. */
export async function ceiling(bc: BenchClient): Promise<Metrics> {
  const call = () => bc.call('ping', 0);
  const c1 = await throughput(call, { concurrency: 1, maxWarmupMs: 3_000, measureMs: 1000 });
  const c64 = await throughput(call, { concurrency: 64, maxWarmupMs: 3_000, measureMs: 1000 });
  return {
    ceilingC1: c1.perSecond,
    ceilingC1CpuUs: c1.cpuUsPerOp,
    ceilingC64: c64.perSecond,
    ceilingC64CpuUs: c64.cpuUsPerOp,
    ceilingC64WarmupMs: c64.warmupMs,
  };
}

/** Runs of the latency workloads, plus warm-up runs not counted. */
const LATENCY_RUNS = 200;
const WARMUP_RUNS = 20;

/**
 * How the runs of a latency workload are paced: one after the other (the method: the
 * client waits for each result before the next run), or, for the default-poll anchor whose every
 * run takes about a second, started at a fixed rate and overlapping, so that its 220 runs fit the
 * time budget (its latency is set by its 1000 ms poll either way).
 */
export type Pacing = { kind: 'sequential' } | { kind: 'overlapped'; perSecond: number };

async function paced(pacing: Pacing, runs: number, one: (i: number) => Promise<void>): Promise<void> {
  if (pacing.kind === 'overlapped') return openLoop(runs, pacing.perSecond, one);
  for (let i = 0; i < runs; i++) await one(i);
}

/**
 * Wake latency: a task whose work takes 50 ms, `tasks/result` sent as soon as the task exists.
 * latency = (tasks/result response − tools/call sent) − the work's measured duration, so timer
 * slack of the 50 ms sleep is not counted against either side.
 */
export async function wakeLatency(bc: BenchClient, impl: BenchImpl, pacing: Pacing): Promise<Metrics> {
  const { probes } = impl;
  const latency: number[] = [];
  const afterWork: number[] = [];
  const one = async (run: number, counted: boolean): Promise<void> => {
    const sent = performance.now();
    const taskId = await bc.createTask('sleep50', run);
    await bc.result(taskId);
    const answered = performance.now();
    const start = probes.workStart.get(run)!;
    const end = probes.workEnd.get(run)!;
    if (!counted) return;
    latency.push(answered - sent - (end - start));
    afterWork.push(answered - end);
  };
  await paced(pacing, WARMUP_RUNS, (i) => one(1_000_000 + i, false));
  await paced(pacing, LATENCY_RUNS, (i) => one(1_100_000 + i, true));
  // Same-run baseline: a plain tools/call after 50 ms of idling, as the result is after the work's
  // sleep. On a VM an idle process answers several times slower than a busy one.
  const idlePing: number[] = [];
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    const t0 = performance.now();
    await bc.call('ping', i);
    idlePing.push(performance.now() - t0);
  }
  return {
    idlePingP50: percentile(idlePing, 50),
    wakeRuns: latency.length,
    wakeP50: percentile(latency, 50),
    wakeP99: percentile(latency, 99),
    wakeAfterWorkP50: percentile(afterWork, 50),
    wakeAfterWorkP99: percentile(afterWork, 99),
  };
}

/** Lifecycle throughput: task-augmented tools/call + tasks/result with instant work. */
export async function lifecycles(bc: BenchClient): Promise<Metrics> {
  const lifecycle = async () => bc.result(await bc.createTask('instant', 0));
  // The verdicts come from workloads/alternating.ts; these per-process rows are kept short.
  const c1 = await throughput(lifecycle, { concurrency: 1, maxWarmupMs: 4_000, measureMs: 1000 });
  const c64 = await throughput(lifecycle, { concurrency: 64, maxWarmupMs: 6_000, measureMs: 2000 });
  return {
    lifecycleC1: c1.perSecond,
    lifecycleC1CpuUs: c1.cpuUsPerOp,
    lifecycleC1WarmupMs: c1.warmupMs,
    lifecycleC64: c64.perSecond,
    lifecycleC64CpuUs: c64.cpuUsPerOp,
    lifecycleC64WarmupMs: c64.warmupMs,
  };
}

/**
 * Input round trip: a task that elicits once. Measured from the elicitation reaching the client's
 * handler to the work resuming with the answer (task back in `working`), over lifecycles (create,
 * then tasks/result, which carries the elicitation); then full lifecycles/s at concurrency 64 with
 * one elicitation each.
 */
export async function inputRoundTrip(bc: BenchClient, impl: BenchImpl, pacing: Pacing): Promise<Metrics> {
  const { probes } = impl;
  const roundTrip: number[] = [];
  const one = async (run: number, counted: boolean): Promise<void> => {
    await bc.result(await bc.createTask('ask', run));
    if (counted) roundTrip.push(probes.backToWorking.get(run)! - bc.elicitedAt.get(run)!);
  };
  await paced(pacing, WARMUP_RUNS, (i) => one(2_000_000 + i, false));
  await paced(pacing, LATENCY_RUNS, (i) => one(2_100_000 + i, true));
  let counter = 3_000_000;
  const lifecycle = async () => bc.result(await bc.createTask('ask', counter++));
  const c64 = await throughput(lifecycle, { concurrency: 64, maxWarmupMs: 4_000, measureMs: 2000 });
  return {
    inputRuns: roundTrip.length,
    inputP50: percentile(roundTrip, 50),
    inputP99: percentile(roundTrip, 99),
    inputLifecycleC64: c64.perSecond,
    inputLifecycleC64CpuUs: c64.cpuUsPerOp,
    inputLifecycleC64WarmupMs: c64.warmupMs,
  };
}
