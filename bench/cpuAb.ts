/**
 * Same-process A/B of CPU per lifecycle (task-augmented `tools/call` + `tasks/result`, work that
 * returns at once) over InMemoryTransport or Streamable HTTP. Every variant is built in this one
 * process; they run in alternating windows (each variant alone while measured), so machine load
 * hits them alike. Reports the median CPU µs per lifecycle (process.cpuUsage ÷ lifecycles) over
 * the rounds, and each variant's ratio to the SDK's own tasks at a 5 ms poll (A-tuned).
 *
 *   node --expose-gc --import tsx bench/cpuAb.ts [--base /path/to/old/src/index.ts] [--http] [--rounds 10]
 *        [--concurrency 64] [--window 1000] [--only ours] [--profile-ms 0] [--redis] [--wake 200 [--wake-ms 50]]
 *        [--settle ms]
 *
 * `--base` loads a second copy of the library (e.g. `git archive <commit> src machines` unpacked
 * next to a node_modules symlink) so a change is measured against unchanged code in the same run.
 * `--only ours --profile-ms 8000` runs just this library that long (for `node --cpu-prof`).
 * `--redis` puts both copies on a redis-server it starts (no A-tuned then; ratios are to base).
 * `--plain` times a plain, non-task `tools/call` instead of a lifecycle, with one more variant: a
 * bare McpServer without TaskSupport (the ratios are to it), so what the library adds to every
 * request it only passes through is the difference.
 * `--settle` is how long each window's lanes run before it is measured (default min(200, window/4)
 * ms). After the gc() before each window V8 optimizes the code again (twice the optimizations of
 * a run without it), and over HTTP the CPU per lifecycle stays well above its level for about
 * 1.5 s: a 1000 ms window after 200 ms measures that ramp (about 3.7 ms a lifecycle against 2.7
 * with `--http --settle 2000`, and a wider spread between windows), for both variants alike.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { connectClient } from './connect.js';
import type { BenchClient, TransportKind } from './connect.js';
import { sdkAnchorImpl } from './impls/sdkAnchor.js';
import { benchArgs, DONE_RESULT, PING_RESULT, Probes } from './impls/types.js';
import type { BenchImpl } from './impls/types.js';
import { percentile, sleep, yieldToEventLoop } from './stats.js';
import { TaskSupport } from '../src/index.js';
import type { TaskSupportOptions } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { parseCpuSeconds } from './redisStats.js';
import { startRedisServer } from '../test/support/redisServer.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    http: { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    wake: { type: 'string', default: '0' },
    'wake-ms': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    window: { type: 'string', default: '1000' },
    only: { type: 'string' },
    plain: { type: 'boolean', default: false },
    'profile-ms': { type: 'string', default: '0' },
    'alloc-prof': { type: 'string' },
    settle: { type: 'string' },
  },
});

type TaskSupportClass = typeof TaskSupport;

/** How long the `sleep50` work of `--wake` sleeps (`--wake-ms`, default 50). */
const wakeMs = Number(values['wake-ms']);

type Backend = Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>;

function libraryImpl(name: string, Support: TaskSupportClass, backend?: Backend): BenchImpl {
  const options: TaskSupportOptions = {
    logger: { warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
    limits: { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000, taskCreationRate: Infinity, taskOperationRate: Infinity },
  };
  const tasks = backend ? new Support({ ...options, ...backend }) : Support.inMemory(options);
  const probes = new Probes();
  return {
    name,
    probes,
    createSession() {
      const server = new McpServer({ name: 'bench-ab', version: '1.0.0' });
      server.registerTool('ping', { inputSchema: benchArgs }, async () => PING_RESULT);
      tasks.registerTool(server, 'instant', { taskSupport: 'required', inputSchema: benchArgs }, () => DONE_RESULT);
      tasks.registerTool(server, 'sleep50', { taskSupport: 'required', inputSchema: benchArgs }, async ({ run = -1 }) => {
        probes.workStart.set(run, performance.now());
        // --wake-ms 0: the work returns on the next turn of the event loop instead of after a sleep.
        await (wakeMs > 0 ? sleep(wakeMs) : new Promise((resolve) => setImmediate(resolve)));
        probes.workEnd.set(run, performance.now());
        return DONE_RESULT;
      });
      tasks.enable(server);
      return server;
    },
    status: async (taskId) => (await tasks.store.get(taskId))?.status,
    close: () => tasks.close(),
  };
}

/** An McpServer without TaskSupport, serving only `ping` (`--plain`'s reference). */
function bareImpl(): BenchImpl {
  return {
    name: 'bare',
    probes: new Probes(),
    createSession() {
      const server = new McpServer({ name: 'bench-bare', version: '1.0.0' });
      server.registerTool('ping', { inputSchema: benchArgs }, async () => PING_RESULT);
      return server;
    },
    status: async () => undefined,
    close: async () => {},
  };
}

interface Variant {
  name: string;
  impl: BenchImpl;
  client: BenchClient;
  cpuUs: number[];
  rates: number[];
  /** --redis: redis-server's CPU µs per lifecycle in each window (INFO cpu; both variants share the server). */
  redisCpuUs: number[];
}

/** --redis: redis-server's CPU seconds so far. */
let redisCpuSeconds: (() => Promise<number>) | undefined;

async function runWindow(v: Variant, concurrency: number, ms: number): Promise<void> {
  let stop = false;
  let completed = 0;
  const lane = async (): Promise<void> => {
    while (!stop) {
      if (values.plain) await v.client.call('ping', 0);
      else await v.client.result(await v.client.createTask('instant', 0));
      completed++;
      await yieldToEventLoop();
    }
  };
  // The previous window's garbage is collected before this one starts, or its major GC would be
  // charged to whichever variant runs next (run with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const lanes = Array.from({ length: concurrency }, lane);
  // A short settle so the window starts with every lane busy (--settle: longer, see the header).
  await sleep(values.settle === undefined ? Math.min(200, ms / 4) : Number(values.settle));
  const redis0 = await redisCpuSeconds?.();
  const done0 = completed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const cpu = process.cpuUsage(cpu0);
  const elapsed = performance.now() - t0;
  const n = completed - done0;
  const redis1 = await redisCpuSeconds?.();
  stop = true;
  await Promise.all(lanes);
  v.cpuUs.push((cpu.user + cpu.system) / n);
  v.rates.push((n * 1000) / elapsed);
  if (redis0 !== undefined && redis1 !== undefined) v.redisCpuUs.push(((redis1 - redis0) * 1e6) / n);
}

async function main(): Promise<void> {
  const transport: TransportKind = values.http ? 'http' : 'memory';
  const concurrency = Number(values.concurrency);
  const windowMs = Number(values.window);
  const rounds = Number(values.rounds);
  const impls: BenchImpl[] = [];
  // --redis: both copies of the library on one redis-server this run starts (and stops).
  const redis = values.redis ? await startRedisServer() : undefined;
  const closers: (() => Promise<void>)[] = [];
  if (redis) {
    const info = new Redis(redis.url);
    closers.push(async () => info.disconnect());
    redisCpuSeconds = async () => parseCpuSeconds(await info.info('cpu'));
  }
  const backendOf = async (createBackend: typeof createRedisTaskBackend, prefix: string): Promise<Backend | undefined> => {
    if (!redis) return undefined;
    const backend = await createBackend({ url: redis.url, prefix });
    closers.push(() => backend.close());
    return backend;
  };
  if (!values.only || values.only === 'ours')
    impls.push(libraryImpl('ours', TaskSupport, await backendOf(createRedisTaskBackend, 'ours:')));
  if (values.base && (!values.only || values.only === 'base')) {
    const mod = (await import(pathToFileURL(values.base).href)) as { TaskSupport: TaskSupportClass };
    const redisModule = redis
      ? ((await import(pathToFileURL(values.base.replace(/index\.(ts|js)$/, 'redis/index.$1')).href)) as {
          createRedisTaskBackend: typeof createRedisTaskBackend;
        })
      : undefined;
    impls.push(libraryImpl('base', mod.TaskSupport, redisModule && (await backendOf(redisModule.createRedisTaskBackend, 'base:'))));
  }
  if (!redis && (!values.only || values.only === 'anchor-tuned')) impls.push({ ...sdkAnchorImpl(5), name: 'anchor-tuned' });
  if (values.plain) impls.push(bareImpl());
  const variants: Variant[] = [];
  for (const impl of impls)
    variants.push({ name: impl.name, impl, client: await connectClient(impl, transport), cpuUs: [], rates: [], redisCpuUs: [] });

  // --wake N: N sequential runs per variant, alternating, of a task whose work sleeps 50 ms
  // (--wake-ms) with `tasks/result` sent as soon as the task exists: ms from the call to the work's
  // start, and from the work's return to the result. An idle process answers slower: with
  // --wake-ms 0 the after-work part was about 0.27 ms, with 50 ms about 0.7 ms (issue 14).
  const wakeRuns = Number(values.wake);
  if (wakeRuns > 0) {
    // Per variant: [before the work starts, after the work returns] (their sum is the wake latency).
    const wake = new Map<string, [number[], number[]]>(variants.map((v) => [v.name, [[], []]]));
    for (let i = 0; i < wakeRuns + 20; i++) {
      for (const v of variants) {
        const run = i;
        const sent = performance.now();
        const taskId = await v.client.createTask('sleep50', run);
        await v.client.result(taskId);
        const before = v.impl.probes.workStart.get(run)! - sent;
        const after = performance.now() - v.impl.probes.workEnd.get(run)!;
        if (i < 20) continue;
        wake.get(v.name)![0].push(before);
        wake.get(v.name)![1].push(after);
      }
    }
    const line = (ms: number[]) =>
      `p50 ${percentile(ms, 50).toFixed(3)}  p90 ${percentile(ms, 90).toFixed(3)}  p99 ${percentile(ms, 99).toFixed(3)}`;
    for (const [name, [before, after]] of wake) {
      const total = before.map((b, i) => b + after[i]!);
      console.log(`${name.padEnd(13)} wake ms: ${line(total)}  (${total.length} runs)`);
      console.log(`${''.padEnd(13)}   before work ${line(before)}; after work ${line(after)}`);
    }
  }
  const profileMs = Number(values['profile-ms']);
  if (profileMs > 0) {
    const allocProfile = values['alloc-prof'];
    // Every allocation sampled, collected or not (where the GC's work comes from).
    const session = allocProfile ? new Session() : undefined;
    const post = (method: string, params?: object) =>
      new Promise<unknown>((resolve, reject) =>
        session!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
      );
    if (session) {
      session.connect();
      await runWindow(variants[0]!, concurrency, 2000);
      await post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    for (const v of variants) await runWindow(v, concurrency, profileMs);
    if (session) {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      writeFileSync(allocProfile!, JSON.stringify(profile));
      console.log(
        `allocation profile: ${allocProfile} (${variants.reduce((n, v) => n + v.rates[v.rates.length - 1]! * (profileMs / 1000), 0).toFixed(0)} lifecycles)`,
      );
    }
  } else if (wakeRuns === 0) {
    // Warm-up: 3 s each, alternating.
    for (let i = 0; i < 3; i++) for (const v of variants) await runWindow(v, concurrency, 1000);
    for (const v of variants) {
      v.cpuUs.length = 0;
      v.rates.length = 0;
      v.redisCpuUs.length = 0;
    }
    // The order flips every round, so no variant always follows the same one.
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) await runWindow(v, concurrency, windowMs);
    }
  }
  if (wakeRuns > 0) return finish(variants, closers, redis);
  const anchor =
    variants.find((v) => v.name === 'bare') ?? variants.find((v) => v.name === 'anchor-tuned') ?? variants.find((v) => v.name === 'base');
  const unit = values.plain ? 'call' : 'lifecycle';
  const anchorCpu = anchor ? percentile(anchor.cpuUs, 50) : NaN;
  console.log(`transport ${transport}, concurrency ${concurrency}, ${variants[0]!.cpuUs.length} windows of ${windowMs} ms each`);
  for (const v of variants) {
    const cpu = percentile(v.cpuUs, 50);
    console.log(
      `${v.name.padEnd(13)} CPU µs/${unit} median ${cpu.toFixed(1)} (min ${Math.min(...v.cpuUs).toFixed(1)}, max ${Math.max(...v.cpuUs).toFixed(1)})` +
        `  ${unit}s/s median ${percentile(v.rates, 50).toFixed(0)}  ×ref ${(cpu / anchorCpu).toFixed(3)}  (${(cpu - anchorCpu).toFixed(1)} µs over ref)` +
        (v.redisCpuUs.length > 0 ? `  redis-server CPU µs/${unit} median ${percentile(v.redisCpuUs, 50).toFixed(1)}` : ''),
    );
  }
  await finish(variants, closers, redis);
}

async function finish(
  variants: Variant[],
  closers: (() => Promise<void>)[],
  redis: { dispose(): Promise<void> } | undefined,
): Promise<void> {
  for (const v of variants) {
    await v.client.close();
    await v.impl.close();
  }
  for (const close of closers) await close();
  await redis?.dispose();
}

await main();
