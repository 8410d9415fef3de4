import type { BenchClient } from '../connect.js';
import { median, sleep, throughput, yieldToEventLoop } from '../stats.js';
import type { Metrics } from './speed.js';

/**
 * Rounds of the alternating comparison and the length of one measured window (ms), per transport:
 * short windows in memory (over 500 lifecycles each), longer ones over HTTP (a lifecycle costs
 * milliseconds there, and a 0.5 s window under load could hold none). HTTP has 24 rounds, not 8:
 * there the two sides differ by a few percent of a cost mostly the transport's, each round's ratio
 * spans 0.7–1.3 on a loaded machine, and the median of 8 moved from 0.90 to 0.99 between five
 * runs of the same code (2026-12-06); the median of 24 moves about 0.6 times as much.
 */
export const AB_PLAN = { memory: { rounds: 16, windowMs: 500 }, http: { rounds: 24, windowMs: 1_000 } } as const;
/** Not counted at the start of each window: the lanes filling up again after the other side's turn. */
const RAMP_MS = 100;

/** One closed-loop window at `concurrency`: wall-clock rate and process CPU per job. */
async function window(job: () => Promise<unknown>, concurrency: number, ms: number): Promise<{ perSecond: number; cpuUsPerOp: number }> {
  let stop = false;
  let completed = 0;
  const lane = async (): Promise<void> => {
    while (!stop) {
      await job();
      completed++;
      await yieldToEventLoop();
    }
  };
  const lanes = Array.from({ length: concurrency }, lane);
  await sleep(RAMP_MS);
  const done0 = completed;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await sleep(ms);
  const cpu = process.cpuUsage(cpu0);
  const elapsed = performance.now() - start;
  const n = completed - done0;
  stop = true;
  await Promise.all(lanes);
  return { perSecond: (n * 1000) / elapsed, cpuUsPerOp: n > 0 ? (cpu.user + cpu.system) / n : NaN };
}

/**
 * Lifecycles (task-augmented `tools/call`, then `tasks/result`; instant work) of this library and
 * of A-tuned in ONE process, over the same transport: each side is first warmed up until its rate
 * settles (the time it took is reported), then the two run in alternating windows (0.5 s in memory, 1 s over HTTP) at
 * concurrency 64 (ABBA order, so neither always follows the other), `plan.rounds` rounds. Figures are
 * medians over the rounds; the ratios are medians of the per-round ratios, each from two windows
 * seconds apart. One process per configuration let the CPU ratio move with the machine's load
 * between the two processes; side by side in time it does not.
 */
export async function alternatingLifecycles(
  ours: BenchClient,
  tuned: BenchClient,
  plan: { rounds: number; windowMs: number },
  concurrency = 64,
): Promise<Metrics> {
  const { rounds, windowMs } = plan;
  const lifecycle = (bc: BenchClient) => async () => bc.result(await bc.createTask('instant', 0));
  const jobs = { ours: lifecycle(ours), tuned: lifecycle(tuned) };
  const warmOurs = await throughput(jobs.ours, { concurrency, minWarmupMs: 1_000, maxWarmupMs: 5_000, measureMs: 500 });
  const warmTuned = await throughput(jobs.tuned, { concurrency, minWarmupMs: 1_000, maxWarmupMs: 5_000, measureMs: 500 });
  // Two rounds not counted: alternating the two sides over the same SDK classes changes what the
  // JIT sees, so the first alternating windows still run slower than the settled warm-up did.
  for (let round = 0; round < 2; round++) {
    await window(jobs.ours, concurrency, windowMs);
    await window(jobs.tuned, concurrency, windowMs);
  }
  const o: { perSecond: number; cpuUsPerOp: number }[] = [];
  const t: { perSecond: number; cpuUsPerOp: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      o.push(await window(jobs.ours, concurrency, windowMs));
      t.push(await window(jobs.tuned, concurrency, windowMs));
    } else {
      t.push(await window(jobs.tuned, concurrency, windowMs));
      o.push(await window(jobs.ours, concurrency, windowMs));
    }
  }
  if (process.env.BENCH_TRACE) {
    for (let i = 0; i < o.length; i++)
      console.error(
        `round ${i}: ours ${o[i]!.perSecond.toFixed(0)}/s ${o[i]!.cpuUsPerOp.toFixed(0)} µs, tuned ${t[i]!.perSecond.toFixed(0)}/s ${t[i]!.cpuUsPerOp.toFixed(0)} µs`,
      );
  }
  // A round where either window completed nothing has no CPU ratio; it is left out (and counted).
  const counted = o.map((w, i) => [w, t[i]!] as const).filter(([a, b]) => a.perSecond > 0 && b.perSecond > 0);
  const cpuRatios = counted.map(([a, b]) => a.cpuUsPerOp / b.cpuUsPerOp);
  const rateRatios = counted.map(([a, b]) => a.perSecond / b.perSecond);
  return {
    abRounds: counted.length,
    abWindowMs: windowMs,
    abOursPerSec: median(counted.map(([a]) => a.perSecond)),
    abOursCpuUs: median(counted.map(([a]) => a.cpuUsPerOp)),
    abTunedPerSec: median(counted.map(([, b]) => b.perSecond)),
    abTunedCpuUs: median(counted.map(([, b]) => b.cpuUsPerOp)),
    abCpuRatio: median(cpuRatios),
    abCpuRatioMin: Math.min(...cpuRatios),
    abCpuRatioMax: Math.max(...cpuRatios),
    abRateRatio: median(rateRatios),
    abRateRatioMin: Math.min(...rateRatios),
    abRateRatioMax: Math.max(...rateRatios),
    abOursWarmupMs: warmOurs.warmupMs,
    abTunedWarmupMs: warmTuned.warmupMs,
  };
}
