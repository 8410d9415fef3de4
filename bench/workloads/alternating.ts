import type { BenchClient } from '../connect.js';
import { median, sleep, throughput, yieldToEventLoop } from '../stats.js';
import type { Metrics } from './speed.js';

/** Rounds of the alternating comparison; each round measures both sides once. */
export const AB_ROUNDS = 16;
/** Length of one measured window (ms). */
export const AB_WINDOW_MS = 500;
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
 * settles (the time it took is reported), then the two run in alternating 1 s windows at
 * concurrency 64 (ABBA order, so neither always follows the other), `AB_ROUNDS` rounds. Figures are
 * medians over the rounds; the ratios are medians of the per-round ratios, each from two windows
 * seconds apart. One process per configuration let the CPU ratio move with the machine's load
 * between the two processes; side by side in time it does not.
 */
export async function alternatingLifecycles(ours: BenchClient, tuned: BenchClient, concurrency = 64): Promise<Metrics> {
  const lifecycle = (bc: BenchClient) => async () => bc.result(await bc.createTask('instant', 0));
  const jobs = { ours: lifecycle(ours), tuned: lifecycle(tuned) };
  const warmOurs = await throughput(jobs.ours, { concurrency, minWarmupMs: 1_000, maxWarmupMs: 5_000, measureMs: 500 });
  const warmTuned = await throughput(jobs.tuned, { concurrency, minWarmupMs: 1_000, maxWarmupMs: 5_000, measureMs: 500 });
  // Two rounds not counted: alternating the two sides over the same SDK classes changes what the
  // JIT sees, so the first alternating windows still run slower than the settled warm-up did.
  for (let round = 0; round < 2; round++) {
    await window(jobs.ours, concurrency, AB_WINDOW_MS);
    await window(jobs.tuned, concurrency, AB_WINDOW_MS);
  }
  const o: { perSecond: number; cpuUsPerOp: number }[] = [];
  const t: { perSecond: number; cpuUsPerOp: number }[] = [];
  for (let round = 0; round < AB_ROUNDS; round++) {
    if (round % 2 === 0) {
      o.push(await window(jobs.ours, concurrency, AB_WINDOW_MS));
      t.push(await window(jobs.tuned, concurrency, AB_WINDOW_MS));
    } else {
      t.push(await window(jobs.tuned, concurrency, AB_WINDOW_MS));
      o.push(await window(jobs.ours, concurrency, AB_WINDOW_MS));
    }
  }
  if (process.env.BENCH_TRACE) {
    for (let i = 0; i < o.length; i++)
      console.error(
        `round ${i}: ours ${o[i]!.perSecond.toFixed(0)}/s ${o[i]!.cpuUsPerOp.toFixed(0)} µs, tuned ${t[i]!.perSecond.toFixed(0)}/s ${t[i]!.cpuUsPerOp.toFixed(0)} µs`,
      );
  }
  const cpuRatios = o.map((w, i) => w.cpuUsPerOp / t[i]!.cpuUsPerOp);
  const rateRatios = o.map((w, i) => w.perSecond / t[i]!.perSecond);
  return {
    abRounds: AB_ROUNDS,
    abOursPerSec: median(o.map((w) => w.perSecond)),
    abOursCpuUs: median(o.map((w) => w.cpuUsPerOp)),
    abTunedPerSec: median(t.map((w) => w.perSecond)),
    abTunedCpuUs: median(t.map((w) => w.cpuUsPerOp)),
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
