/**
 * Same-process A/B of the scale-live paths (issue 14): create N live tasks (work that awaits its
 * `task.signal`), then cancel them all, for this library and the SDK's own tasks in alternating
 * rounds, each round on a fresh server. Reports CPU µs per create and per cancel
 * (process.cpuUsage ÷ tasks) and their ratios to the SDK, median over the rounds.
 *
 *   npx tsc -p bench/tsconfig.scale.json && node --expose-gc --max-old-space-size=8192 \
 *     dist/.bench-scale/bench/scaleAb.js [--count 100000] [--rounds 3] [--only ours] [--profile /tmp/prefix] [--base /path/index.js]
 *
 * `--profile` writes `<prefix>-create.cpuprofile` and `<prefix>-cancel.cpuprofile` of this
 * library's last round (V8 sampling profiler through node:inspector, so only the phase is profiled).
 * `--base` adds a row for another compiled copy of the library (e.g. `git archive <commit> src
 * machines` built with tsconfig.build.json next to a node_modules symlink), run in the same rounds.
 * Compiled with tsc like `npm run bench`, so the code measured is the JS users run.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { oursImpl } from './impls/ours.js';
import { sdkAnchorImpl } from './impls/sdkAnchor.js';
import type { BenchImpl } from './impls/types.js';
import { median, pool, settledHeap } from './stats.js';
import { WireClient } from './wireClient.js';
import { waitFor } from './workloads/memory.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    profile: { type: 'string' },
    base: { type: 'string' },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);

interface Round {
  createUs: number;
  cancelUs: number;
  heapPerTask: number;
}

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
}

async function phase<T>(session: Session | undefined, file: string | undefined, run: () => Promise<T>): Promise<T> {
  if (!session || !file) return run();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
  }
}

async function oneRound(impl: BenchImpl, profile: string | undefined): Promise<Round> {
  const session = profile ? new Session() : undefined;
  session?.connect();
  const wire = await WireClient.connect(impl.createSession());
  // Warm-up: 2,000 created and cancelled, so both paths are compiled before they are timed.
  const warmIds: string[] = [];
  await pool(2_000, 64, async (i) => void warmIds.push(await wire.createTask('hang', 9_000_000 + i)));
  await waitFor(() => impl.probes.parked >= warmIds.length);
  await pool(warmIds.length, 64, (i) => wire.request('tasks/cancel', { taskId: warmIds[i] }));
  impl.probes.parked = 0;
  const before = await settledHeap();
  const ids: string[] = new Array<string>(count).fill('');
  const c0 = process.cpuUsage();
  await phase(session, profile && `${profile}-create.cpuprofile`, () =>
    pool(count, 64, async (i) => {
      ids[i] = await wire.createTask('hang', i);
    }),
  );
  const c = process.cpuUsage(c0);
  await waitFor(() => impl.probes.parked >= count);
  const after = await settledHeap();
  const k0 = process.cpuUsage();
  await phase(session, profile && `${profile}-cancel.cpuprofile`, () =>
    pool(count, 64, (i) => wire.request('tasks/cancel', { taskId: ids[i] })),
  );
  const k = process.cpuUsage(k0);
  session?.disconnect();
  await wire.close();
  return { createUs: (c.user + c.system) / count, cancelUs: (k.user + k.system) / count, heapPerTask: (after - before) / count };
}

async function main(): Promise<void> {
  const impls: [string, () => BenchImpl][] = [
    ['ours', () => oursImpl()],
    ['sdk', () => sdkAnchorImpl(undefined)],
  ];
  if (values.base) {
    const { TaskSupport } = (await import(pathToFileURL(values.base).href)) as { TaskSupport: Parameters<typeof oursImpl>[0] };
    impls.splice(1, 0, ['base', () => oursImpl(TaskSupport)]);
  }
  const results = new Map<string, Round[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of impls) {
      if (values.only && !values.only.split(',').includes(name)) continue;
      const impl = make();
      const last = round === rounds - 1 && name === 'ours';
      const load = loadavg()[0]!;
      const r = await oneRound(impl, last ? values.profile : undefined);
      await impl.close();
      (results.get(name) ?? results.set(name, []).get(name)!).push(r);
      console.log(
        `round ${round} ${name}: create ${r.createUs.toFixed(1)} µs, cancel ${r.cancelUs.toFixed(1)} µs, heap ${(r.heapPerTask / 1024).toFixed(2)} KB/task (load ${load.toFixed(1)})`,
      );
      await settledHeap();
    }
  }
  const med = (name: string, key: keyof Round) => median((results.get(name) ?? []).map((r) => r[key]));
  for (const name of results.keys()) {
    console.log(
      `median ${name}: create ${med(name, 'createUs').toFixed(1)} µs, cancel ${med(name, 'cancelUs').toFixed(1)} µs, heap ${(med(name, 'heapPerTask') / 1024).toFixed(2)} KB/task`,
    );
  }
  for (const name of ['ours', 'base']) {
    if (!results.has(name) || !results.has('sdk')) continue;
    console.log(
      `ratio ${name}/sdk: create ${(med(name, 'createUs') / med('sdk', 'createUs')).toFixed(2)}x, cancel ${(med(name, 'cancelUs') / med('sdk', 'cancelUs')).toFixed(2)}x`,
    );
  }
}

await main();
