import type { BenchConfig, Group, ImplName } from './configs.js';
import { IMPL_LABEL } from './configs.js';
import { AB_PLAN } from './workloads/alternating.js';
import { floorSums } from './workloads/floor.js';
import type { TransportKind } from './connect.js';

/** What one configuration's process reported. */
export interface BenchResult {
  impl: ImplName;
  transport: TransportKind;
  group: Group;
  seconds: number;
  /** CPU seconds of the configuration's process (user + system, all threads). */
  cpuSeconds?: number;
  metrics: Record<string, number>;
  /** 1-minute load average before and after the process ran. */
  load: [number, number];
}

/** Where and how the run happened. */
export interface RunInfo {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  totalSeconds: number;
  failed: { config: BenchConfig; error: string }[];
}

const TRANSPORT_LABEL: Record<TransportKind, string> = { memory: 'InMemoryTransport', http: 'Streamable HTTP' };

type Row = (string | number)[];

function table(header: string[], rows: Row[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...cells.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function kb(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  return `${(bytes / 1024).toFixed(2)} KB`;
}

/** Turns the run's results into the markdown page (also printed to the terminal). */
export function renderReport(results: BenchResult[], info: RunInfo): string {
  const find = (impl: ImplName, transport: TransportKind, group: Group) =>
    results.find((r) => r.impl === impl && r.transport === transport && r.group === group)?.metrics;
  // A (default poll) has no speed rows (configs.ts): no target compares against it.
  const speedImpls: ImplName[] = ['ours', 'anchor-tuned'];
  const transports: TransportKind[] = ['memory', 'http'];
  const out: string[] = [];

  out.push("# Benchmarks: mcp-task-actors against the SDK's own tasks");
  out.push('');
  out.push(
    'Produced by `npm run bench` (see `bench/`), which ran every configuration below in its own Node process and wrote this page. ' +
      'Every comparison is between figures measured in this same run, on the same machine and transport.',
  );
  out.push('');
  out.push(`- Date: ${info.date}`);
  out.push(`- Node ${info.node}, CPU: ${info.cpu}, ${info.cores} cores`);
  const cpuTotal = results.reduce((sum, r) => sum + (r.cpuSeconds ?? 0), 0);
  out.push(
    `- Whole run: ${fmt(info.totalSeconds)} s; CPU time of the configurations' processes ${fmt(cpuTotal)} s (what the run costs whatever else the machine is doing)`,
  );
  const loads = results.flatMap((r) => r.load);
  if (loads.length > 0) {
    out.push(
      `- 1-minute load average while it ran: ${fmt(Math.min(...loads))} to ${fmt(Math.max(...loads))} ` +
        `(on ${info.cores} cores; above ${info.cores} means other processes shared the CPUs and absolute rates are lower than on an idle machine)`,
    );
  }
  if (info.failed.length > 0) {
    out.push(
      `- **Configurations that failed:** ${info.failed.map((f) => `${f.config.impl}/${f.config.transport}/${f.config.group}: ${f.error}`).join('; ')}`,
    );
  }
  out.push('');
  out.push(
    "Rows: **mcp-task-actors** (this library); **A-tuned** and **A**: `@modelcontextprotocol/sdk`'s experimental tasks " +
      '(`McpServer` with `taskStore: new InMemoryTaskStore()`, `taskMessageQueue: new InMemoryTaskMessageQueue()`, ' +
      '`experimental.tasks.registerToolTask`, work run in the background and finished with `storeTaskResult`) with `pollInterval` 5 ms and at its default (1000 ms); ' +
      '**ceiling**: a plain, non-task `tools/call` on the same server and transport as the row.',
  );
  out.push('');

  out.push('## Targets');
  out.push('');
  out.push(targetsTable(find));
  out.push('');
  out.push(
    '"SDK tasks, same run": A-tuned for the lifecycle and wake rows (the lifecycle rows from the same-process A/B below), A for the heap and scale rows (the poll interval changes neither). ' +
      "Verdicts on throughput come from that A/B, and from its CPU ratio as issue 14 asks (lifecycles/s ≥ 1.0× A-tuned is met when a lifecycle costs no more CPU than A-tuned's; the wall-clock ratio is shown beside it); the scale targets the issue gave as absolute figures from a quieter machine are judged both as written and as the ratio to the SDK they implied there, from CPU per operation.",
  );
  out.push('');
  out.push(abSection(find));

  out.push('## 1. Wake latency');
  out.push('');
  out.push(
    "A task whose work takes 50 ms; `tasks/result` is sent as soon as the task exists. Latency = (response − `tools/call` sent) − the work's measured duration; " +
      '"after work" = response − the moment the work returned. 200 runs after 20 warm-up runs, one after the other (the client waits for each result before starting the next); ' +
      'A (default poll) is not run here: its wake is set by its 1000 ms poll, and no target compares against it. ' +
      "Last column, a same-run baseline: a plain, non-task `tools/call` sent after 50 ms of idling (p50 of 20), the state the process is in when the work's sleep ends (an idle process on this VM answers several times slower than a busy one). ms.",
  );
  out.push('');
  out.push(
    table(
      [
        'Implementation',
        'Transport',
        'runs',
        'p50',
        'p99',
        'after work p50',
        'after work p99',
        'baseline: plain tools/call after 50 ms idle, p50',
      ],
      transports.flatMap((t) =>
        speedImpls.map((impl) => {
          const m = find(impl, t, 'speed');
          return [
            IMPL_LABEL[impl],
            TRANSPORT_LABEL[t],
            m?.wakeRuns ?? NaN,
            m?.wakeP50 ?? NaN,
            m?.wakeP99 ?? NaN,
            m?.wakeAfterWorkP50 ?? NaN,
            m?.wakeAfterWorkP99 ?? NaN,
            m?.idlePingP50 ?? NaN,
          ];
        }),
      ),
    ),
  );
  out.push('');

  out.push('## 2. Lifecycle throughput');
  out.push('');
  out.push(
    "One process per row (the verdicts use the same-process A/B above instead: between two processes the machine's load moves the ratio). " +
      'A lifecycle is a task-augmented `tools/call` (instant work) then `tasks/result`; closed loop, warmed up in 0.5 s windows until two in a row agree within 10 % ' +
      '(rate and CPU; at least 1 s, at most 4 s for c1 and 6 s for c64; the time it took is the last column), then 1 s (c1) or 2 s (c64) measured; the ceiling 1 s each. ' +
      'CPU µs = user + system time of the whole process (client and server, process.cpuUsage) ÷ lifecycles completed in the measured window.',
  );
  out.push('');
  out.push(
    table(
      [
        'Implementation',
        'Transport',
        'ceiling calls/s c1',
        'lifecycles/s c1',
        'CPU µs per lifecycle c1',
        'ceiling calls/s c64 (CPU µs per call)',
        'lifecycles/s c64',
        'CPU µs per lifecycle c64',
        'CPU ÷ A-tuned c64',
        'warm-up c64 s',
      ],
      transports.flatMap((t) =>
        speedImpls.map((impl) => {
          const m = find(impl, t, 'speed');
          return [
            IMPL_LABEL[impl],
            TRANSPORT_LABEL[t],
            m?.ceilingC1 ?? NaN,
            m?.lifecycleC1 ?? NaN,
            m?.lifecycleC1CpuUs ?? NaN,
            m ? `${fmt(m.ceilingC64!)} (${fmt(m.ceilingC64CpuUs ?? NaN)})` : '–',
            m?.lifecycleC64 ?? NaN,
            m?.lifecycleC64CpuUs ?? NaN,
            cpuRatio(m, find('anchor-tuned', t, 'speed'), 'lifecycleC64CpuUs'),
            m?.lifecycleC64WarmupMs === undefined ? NaN : m.lifecycleC64WarmupMs / 1000,
          ];
        }),
      ),
    ),
  );
  out.push('');

  out.push('## 3. Input round trip');
  out.push('');
  out.push(
    "A task that elicits once (form). Round trip = from the elicitation reaching the client's handler to the work resuming with the answer, the task back in `working` " +
      "(for the SDK rows: after its `updateTaskStatus('working')`); 200 lifecycles after 20 warm-up ones, one after the other; ms. Then full lifecycles/s (create, `tasks/result` carrying the elicitation, answer, result) at concurrency 64, warmed up as above (at most 4 s), 2 s measured.",
  );
  out.push('');
  out.push(
    table(
      [
        'Implementation',
        'Transport',
        'runs',
        'p50',
        'p99',
        'lifecycles/s c64 (one elicitation each)',
        'CPU µs per lifecycle',
        'CPU ÷ A-tuned',
      ],
      transports.flatMap((t) =>
        speedImpls.map((impl) => {
          const m = find(impl, t, 'speed');
          return [
            IMPL_LABEL[impl],
            TRANSPORT_LABEL[t],
            m?.inputRuns ?? NaN,
            m?.inputP50 ?? NaN,
            m?.inputP99 ?? NaN,
            m?.inputLifecycleC64 ?? NaN,
            m?.inputLifecycleC64CpuUs ?? NaN,
            cpuRatio(m, find('anchor-tuned', t, 'speed'), 'inputLifecycleC64CpuUs'),
          ];
        }),
      ),
    ),
  );
  out.push('');

  out.push('## 4. Memory');
  out.push('');
  out.push(
    'Heap bytes per task: settled heap (`--expose-gc`, collected until it stops shrinking) after creating 50,000 tasks minus before, ÷ 50,000. ' +
      "Tasks are created over the in-memory transport by a bare JSON-RPC client that keeps nothing per task, so the figure is the server's own. " +
      "Working: the work waits for its task's cancellation signal (`task.signal`; the SDK's tasks give background work none, so its work just never returns). " +
      'Waiting for input: the work elicited and nobody answered yet (the request is queued). Retained: finished (instant work), record and result kept for their ttl (1 h).',
  );
  out.push('');
  const mem = (impl: ImplName, state: string) => find(impl, 'memory', `memory-${state}` as Group)?.bytesPerTask ?? NaN;
  out.push(
    table(
      ['Implementation', 'per live task, working', 'per live task, waiting for input', 'per retained finished task'],
      (['ours', 'anchor'] as const).map((impl) => [
        impl === 'anchor' ? 'SDK tasks (A and A-tuned store the same)' : IMPL_LABEL[impl],
        kb(mem(impl, 'working')),
        kb(mem(impl, 'input')),
        kb(mem(impl, 'retained')),
      ]),
    ),
  );
  out.push('');

  out.push('## 5. Scale');
  out.push('');
  out.push(
    '100,000 live tasks (work that waits for its `task.signal`) created in one process, in batches of 1,000 at concurrency 64 over the in-memory transport. ' +
      'Before that, the create and cancel paths are warmed up: rounds of 2,000 tasks created then cancelled, on a session of their own, until two rounds agree within 10 % on CPU per created task (the time it took is a column), and one more round after the heap baseline (its forced collections shrink the young generation, which made the first 2,000–3,000 creations slow). ' +
      'Near 1,000 live = the median of five rounds, run after the warm-up and before the heap baseline, that each create 2,000 live tasks (then cancel them); near 100,000 live = tasks 90,000–100,000 (ten batches, so the old-space collections of a heap that size count as often as they occur). ' +
      'CPU µs = process user + system time ÷ tasks in that span. ' +
      '`tasks/list` (page size 10): first page, then every page of a full walk (stopped after 5 s if not done). Cancel-all: `tasks/cancel` for every task, concurrency 64. ' +
      'The heap per live task here includes about 15 bytes of the 2,000 cancelled warm-up tasks; section 4 has the exact figure.',
  );
  out.push('');
  const live = (impl: ImplName) => find(impl, 'memory', 'scale-live');
  /** One row per scale process, this library's first: `row` gets its figures (if it ran) and its label. */
  const scaleRows = (row: (m: Metrics, label: string) => Row): Row[] =>
    (['ours', 'anchor'] as const).map((impl) => row(live(impl), impl === 'anchor' ? 'SDK tasks (A)' : IMPL_LABEL[impl]));
  out.push(
    table(
      [
        'Implementation',
        'created/s overall (CPU µs per task)',
        'near 1k live: created/s (CPU µs)',
        'near 100k live: created/s (CPU µs)',
        'CPU per task 100k ÷ 1k',
        'heap per live task',
        'heap MB',
        'list first page ms',
        'list pages walked',
        'list page mean ms',
        'list page p99 ms',
        'cancel-all s (CPU µs per task)',
        'warm-up s',
      ],
      scaleRows((m, label) => [
        label,
        m ? `${fmt(m.createPerSecAll!)} (${fmt(m.createCpuUs!)})` : '–',
        m ? `${fmt(m.createPerSecAt1k!)} (${fmt(m.createCpuUsAt1k!)})` : '–',
        m ? `${fmt(m.createPerSecAt100k!)} (${fmt(m.createCpuUsAt100k!)})` : '–',
        m ? m.createCpuUsAt100k! / m.createCpuUsAt1k! : NaN,
        m ? kb(m.bytesPerLiveTask!) : '–',
        m?.heapMB ?? NaN,
        m?.listFirstPageMs ?? NaN,
        m ? `${fmt(m.listPagesWalked!)}${m.listWalkedAll ? ' (all)' : ' (time cap)'}` : '–',
        m?.listPageMeanMs ?? NaN,
        m?.listPageP99Ms ?? NaN,
        m ? `${fmt(m.cancelAllMs! / 1000)} (${fmt(m.cancelCpuUs!)})` : '–',
        m?.warmupMs === undefined ? NaN : m.warmupMs / 1000,
      ]),
    ),
  );
  out.push('');
  out.push(
    "**The design's floor**, measured in each scale row's process right after its cancel-all, at the same count (`bench/workloads/floor.ts`): what a task costs there before any of this library's own work, when every task is a live XState actor and every work listens to an `AbortSignal`. " +
      "Request: a JSON-RPC request and its answer through the same kind of client and transport, to an `McpServer` with TaskSupport enabled and no tools (concurrency 64; the fastest of five rounds of 10,000): a `tasks/list` that finds nothing, served by TaskSupport's own request entry as its `tools/call` and `tasks/*` are (`src/sdk/v1/DirectRequests.ts`), about the least any of them costs; beside it a `ping`, which the SDK's request entry serves (it makes an `AbortController`, an extra and a promise chain per request). Each step starts from a collected heap and pays for its own garbage. " +
      "Actor: a bare machine (one state, one final) made and started under the library's supervisor, all alive at once, then each sent to its final state and retired. " +
      'Signal: an `AbortController` whose signal gets one `abort` listener, then aborted (one shared reason). ' +
      "Create floor = request + actor start + signal; cancel floor = request + actor stop + abort, with the cheaper of the two requests. CPU µs per operation. The SDK tasks' row measures the same steps in that process (its heap after its own scale row); their own tasks have neither an actor nor a signal.",
  );
  out.push('');
  out.push(
    table(
      [
        'Process',
        'request',
        'request the SDK serves (ping)',
        'actor start',
        'actor to final + retired',
        'signal + listener',
        'abort',
        'create floor (its create)',
        'cancel floor (its cancel)',
      ],
      scaleRows((m, label) => {
        const sums = floorSums(m);
        return [
          label,
          m?.floorRequestCpuUs ?? NaN,
          m?.floorSdkRequestCpuUs ?? NaN,
          m?.floorActorStartCpuUs ?? NaN,
          m?.floorActorStopCpuUs ?? NaN,
          m?.floorSignalCpuUs ?? NaN,
          m?.floorAbortCpuUs ?? NaN,
          sums ? `${fmt(sums.create)} (${fmt(m!.createCpuUs!)})` : '–',
          sums ? `${fmt(sums.cancel)} (${fmt(m!.cancelCpuUs!)})` : '–',
        ];
      }),
    ),
  );
  out.push('');
  const r = find('ours', 'memory', 'scale-retained');
  out.push(
    '200,000 retained finished tasks (instant work) created in one process (concurrency 64; 1,000,000 until the whole bench had to fit in 8 minutes: the heap per task was the same at both counts); then 20,000 `tasks/get` of random ones, one at a time.',
  );
  out.push('');
  out.push(
    table(
      ['Implementation', 'tasks', 'created/s', 'heap per retained task', 'heap MB', 'tasks/get p50 ms', 'tasks/get p99 ms'],
      [
        [
          IMPL_LABEL.ours,
          r?.retainedTasks ?? NaN,
          r?.createPerSec ?? NaN,
          r ? kb(r.bytesPerRetainedTask!) : '–',
          r?.heapMB ?? NaN,
          r?.getP50Ms ?? NaN,
          r?.getP99Ms ?? NaN,
        ],
      ],
    ),
  );
  out.push('');
  out.push('## Per-process timing');
  out.push('');
  out.push(
    table(
      ['Configuration', 'seconds', 'CPU seconds', 'load before', 'load after'],
      results.map((x) => [`${x.impl} / ${x.transport} / ${x.group}`, x.seconds, x.cpuSeconds ?? NaN, x.load[0], x.load[1]]),
    ),
  );
  out.push('');
  return out.join('\n');
}

type Metrics = Record<string, number> | undefined;

/** The same-process alternating A/B of lifecycles (workloads/alternating.ts), both transports. */
function abSection(find: (impl: ImplName, t: TransportKind, g: Group) => Metrics): string {
  const rows = (['memory', 'http'] as const).map((t) => {
    const m = find('ours', t, 'ab');
    return [
      TRANSPORT_LABEL[t],
      m ? `${m.abRounds} × ${fmt(m.abWindowMs! / 1000)} s` : '–',
      m?.abOursPerSec ?? NaN,
      m?.abOursCpuUs ?? NaN,
      m?.abTunedPerSec ?? NaN,
      m?.abTunedCpuUs ?? NaN,
      m ? `${fmt(m.abCpuRatio!)} (${fmt(m.abCpuRatioMin!)}–${fmt(m.abCpuRatioMax!)})` : '–',
      m ? `${fmt(m.abRateRatio!)} (${fmt(m.abRateRatioMin!)}–${fmt(m.abRateRatioMax!)})` : '–',
      m ? `${fmt(m.abOursWarmupMs! / 1000)} / ${fmt(m.abTunedWarmupMs! / 1000)}` : '–',
    ];
  });
  return [
    '### Lifecycles, same-process A/B (the throughput verdicts)',
    '',
    'This library and A-tuned in one process, over the same transport: a lifecycle is a task-augmented `tools/call` (instant work) then `tasks/result`, closed loop at concurrency 64. ' +
      'Each side is first warmed up until two 0.5 s windows agree within 10 % (rate and CPU; 1–5 s; the time it took is the last column), then two alternating rounds are run and not counted, ' +
      `then ${AB_PLAN.memory.rounds} rounds of one ${AB_PLAN.memory.windowMs} ms window per side in memory, ${AB_PLAN.http.rounds} of ${AB_PLAN.http.windowMs} ms over HTTP (ABBA order; 100 ms of each window not counted while the lanes fill; a round whose window completed nothing is left out of the count). ` +
      'Figures are medians over the rounds; the ratios are medians of the per-round ratios (range in brackets), each from two windows a second apart, so a burst of other load hits both sides alike. ' +
      'CPU µs = user + system time of the whole process (client and server) ÷ lifecycles completed in the window. ' +
      'Messages per lifecycle: the instant work here ends before its CreateTaskResult goes out, so that answer already says `completed` and no `completed` notification is pushed for it (docs/protocols.md, "Status push"), on either transport; ' +
      "the SDK's tasks answer `working` and push a `completed` notification after every stored result, on both transports, so they send one message more per lifecycle.",
    '',
    table(
      [
        'Transport',
        'rounds counted × window',
        'mcp-task-actors lifecycles/s',
        'CPU µs per lifecycle',
        'A-tuned lifecycles/s',
        'A-tuned CPU µs per lifecycle',
        'CPU ÷ A-tuned',
        'lifecycles/s ÷ A-tuned',
        'warm-up s (ours / A-tuned)',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

/** `key` of `m` ÷ `key` of A-tuned in the same run (NaN when either is missing). */
function cpuRatio(m: Metrics, tuned: Metrics, key: string): number {
  const a = m?.[key];
  const b = tuned?.[key];
  return a === undefined || b === undefined ? NaN : a / b;
}

/** The issue's own SDK run for the targets it gave as absolute figures (docs/benchmarks.md of that time). */
const ISSUE_SDK_CREATE_PER_SEC = 39_675;
const ISSUE_SDK_CANCEL_ALL_S = 1.8;

/**
 * Where the design's floor alone (workloads/floor.ts) exceeds what a target allows (a ratio to the
 * SDK's CPU per operation in this run), the verdict says so: no code of this library can meet it.
 */
function floorNote(floorUs: number | undefined, sdkUs: number | undefined, allowed: number): string {
  if (floorUs === undefined || sdkUs === undefined) return '';
  const ratio = floorUs / sdkUs;
  return ratio > allowed
    ? `; below this design's floor: the floor alone is ${fmt(floorUs)} µs, ${fmt(ratio)}× the SDK's, where ≤ ${fmt(allowed)}× is allowed`
    : `; the floor is ${fmt(floorUs)} µs (${fmt(ratio)}× the SDK's)`;
}

/** "within 1.5×" either way: a ratio that rose past 1.5 is as far off as one that fell below 1 ÷ 1.5. */
export function withinFactor(ratio: number, factor: number): boolean | undefined {
  if (!Number.isFinite(ratio)) return undefined;
  return ratio <= factor && ratio >= 1 / factor;
}

/**
 * The targets of issue 14, each as the issue states it, with the SDK's own figure from this run
 * beside ours, the ratio between them and CPU µs per operation. Throughput verdicts come from
 * the same-process alternating A/B (workloads/alternating.ts); where the issue gave an absolute
 * figure measured on a quieter machine, the ratio it implied to that run's SDK figure is judged too.
 */
function targetsTable(find: (impl: ImplName, t: TransportKind, g: Group) => Metrics): string {
  const rows: Row[] = [];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${fmt(n)}×`);
  for (const t of ['memory', 'http'] as const) {
    const ab = find('ours', t, 'ab');
    const tl = TRANSPORT_LABEL[t];
    const range = (lo: number | undefined, hi: number | undefined) => (lo === undefined ? '' : ` (rounds ${fmt(lo)}–${fmt(hi!)})`);
    rows.push([
      `CPU per lifecycle ≤ 1.2× A-tuned (${tl}, c64)`,
      ab ? `${fmt(ab.abOursCpuUs!)} µs` : '–',
      ab ? `${fmt(ab.abTunedCpuUs!)} µs` : '–',
      ab ? `${x(ab.abCpuRatio)}${range(ab.abCpuRatioMin, ab.abCpuRatioMax)}` : '–',
      ab ? `${fmt(ab.abOursCpuUs!)} / ${fmt(ab.abTunedCpuUs!)}` : '–',
      verdict(ab ? ab.abCpuRatio! <= 1.2 : undefined),
    ]);
    rows.push([
      `Lifecycles/s ≥ 1.0× A-tuned (${tl}, c64)`,
      ab ? `${fmt(ab.abOursPerSec!)}/s` : '–',
      ab ? `${fmt(ab.abTunedPerSec!)}/s` : '–',
      ab ? `${x(ab.abRateRatio)}${range(ab.abRateRatioMin, ab.abRateRatioMax)}` : '–',
      ab ? `${fmt(ab.abOursCpuUs!)} / ${fmt(ab.abTunedCpuUs!)}` : '–',
      // Judged by CPU per lifecycle, as the issue asks ("compute the verdicts from the CPU ratio"):
      // in this closed loop on one process a lifecycle's CPU sets the rate, while the wall-clock
      // ratio of two 0.5 s windows moves with whatever else the machine runs (rounds 0.35–2.19 in
      // one run). Both ratios are in the row.
      ab ? `${verdict(ab.abCpuRatio! <= 1)} (by CPU, ${x(ab.abCpuRatio)}; wall ${x(ab.abRateRatio)})` : verdict(undefined),
    ]);
  }
  const mem = (impl: ImplName, state: string) => find(impl, 'memory', `memory-${state}` as Group)?.bytesPerTask;
  const heapRow = (label: string, state: string, limit: number) => {
    const ours = mem('ours', state);
    const sdk = mem('anchor', state);
    rows.push([
      label,
      ours === undefined ? '–' : kb(ours),
      sdk === undefined ? '–' : kb(sdk),
      ours === undefined || sdk === undefined ? '–' : x(ours / sdk),
      '',
      verdict(ours === undefined ? undefined : ours <= limit),
    ]);
  };
  heapRow('Heap per live task whose work awaits its signal ≤ 3.5 KB', 'working', 3.5 * 1024);
  heapRow('Heap per task waiting for one unanswered elicitation ≤ 5 KB', 'input', 5 * 1024);
  heapRow('Heap per retained finished task stays ≤ 0.7 KB', 'retained', 0.7 * 1024);

  const live = find('ours', 'memory', 'scale-live');
  const liveA = find('anchor', 'memory', 'scale-live');
  const both = live && liveA;
  const floor = floorSums(live);
  const createRatio = both ? live.createPerSecAll! / liveA.createPerSecAll! : NaN;
  const createCpuRatio = both ? live.createCpuUs! / liveA.createCpuUs! : NaN;
  const impliedCreate = 20_000 / ISSUE_SDK_CREATE_PER_SEC;
  rows.push([
    `100,000 live tasks created at ≥ 20,000/s (the issue's SDK run: ${fmt(ISSUE_SDK_CREATE_PER_SEC)}/s, so ≥ ${fmt(impliedCreate)}× the SDK's rate, ≤ ${fmt(1 / impliedCreate)}× its CPU per task)`,
    live ? `${fmt(live.createPerSecAll!)}/s` : '–',
    liveA ? `${fmt(liveA.createPerSecAll!)}/s` : '–',
    both ? `rate ${x(createRatio)}, CPU ${x(createCpuRatio)}` : '–',
    both ? `${fmt(live.createCpuUs!)} / ${fmt(liveA.createCpuUs!)}` : '–',
    live
      ? `absolute ${verdict(live.createPerSecAll! >= 20_000)}; as a ratio ${verdict(both ? createCpuRatio <= 1 / impliedCreate : undefined)} (CPU)${floorNote(floor?.create, liveA?.createCpuUs, 1 / impliedCreate)}`
      : verdict(undefined),
  ]);
  // Slowdown = CPU per created task near 100,000 live ÷ near 1,000 live (> 1: slower at scale).
  const slow = live ? live.createCpuUsAt100k! / live.createCpuUsAt1k! : NaN;
  const slowA = liveA ? liveA.createCpuUsAt100k! / liveA.createCpuUsAt1k! : NaN;
  rows.push([
    'Creation rate at 100,000 live within 1.5× of the rate at 1,000 live (CPU per created task near 100k ÷ near 1k, either way)',
    live
      ? `${x(slow)} (${fmt(live.createCpuUsAt100k!)} ÷ ${fmt(live.createCpuUsAt1k!)} µs; wall ${fmt(live.createPerSecAt100k!)} vs ${fmt(live.createPerSecAt1k!)}/s)`
      : '–',
    liveA ? `${x(slowA)} (${fmt(liveA.createCpuUsAt100k!)} ÷ ${fmt(liveA.createCpuUsAt1k!)} µs)` : '–',
    '',
    live ? `${fmt(live.createCpuUsAt100k!)} / ${fmt(liveA?.createCpuUsAt100k ?? NaN)}` : '–',
    verdict(live ? withinFactor(slow, 1.5) : undefined),
  ]);
  const cancelS = live ? live.cancelAllMs! / 1000 : NaN;
  const cancelRatio = both ? live.cancelAllMs! / liveA.cancelAllMs! : NaN;
  const cancelCpuRatio = both ? live.cancelCpuUs! / liveA.cancelCpuUs! : NaN;
  const impliedCancel = 2 / ISSUE_SDK_CANCEL_ALL_S;
  rows.push([
    `Cancel-all of 100,000 live tasks ≤ 2 s (the issue's SDK run: ${fmt(ISSUE_SDK_CANCEL_ALL_S)} s, so ≤ ${fmt(impliedCancel)}× the SDK's time)`,
    live ? `${fmt(cancelS)} s` : '–',
    liveA ? `${fmt(liveA.cancelAllMs! / 1000)} s` : '–',
    both ? `time ${x(cancelRatio)}, CPU ${x(cancelCpuRatio)}` : '–',
    both ? `${fmt(live.cancelCpuUs!)} / ${fmt(liveA.cancelCpuUs!)}` : '–',
    live
      ? `absolute ${verdict(cancelS <= 2)}; as a ratio ${verdict(both ? cancelCpuRatio <= impliedCancel : undefined)} (CPU)${floorNote(floor?.cancel, liveA?.cancelCpuUs, impliedCancel)}`
      : verdict(undefined),
  ]);
  const o = find('ours', 'memory', 'speed');
  const at = find('anchor-tuned', 'memory', 'speed');
  rows.push([
    'Wake latency in-memory p50 ≤ 1 ms, p99 ≤ 2 ms',
    o ? `${fmt(o.wakeP50!)} / ${fmt(o.wakeP99!)} ms` : '–',
    at ? `${fmt(at.wakeP50!)} / ${fmt(at.wakeP99!)} ms` : '–',
    o && at ? `${x(o.wakeP50! / at.wakeP50!)} / ${x(o.wakeP99! / at.wakeP99!)}` : '–',
    '',
    verdict(o ? o.wakeP50! <= 1 && o.wakeP99! <= 2 : undefined),
  ]);
  rows.push([
    'Redis: round trips per lifecycle counted and cut; Redis ÷ in-memory lifecycles/s at c16 ≥ 0.5',
    'in `npm run bench:redis`',
    '',
    '',
    '',
    'not measured here',
  ]);
  return table(
    ['Target (issue 14)', 'mcp-task-actors', 'SDK tasks, same run', 'ours ÷ SDK', 'CPU µs per op (ours / SDK)', 'Verdict'],
    rows,
  );
}
