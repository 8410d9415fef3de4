import type { BenchConfig, Group, ImplName } from './configs.js';
import { IMPL_LABEL } from './configs.js';
import type { TransportKind } from './connect.js';

/** What one configuration's process reported. */
export interface BenchResult {
  impl: ImplName;
  transport: TransportKind;
  group: Group;
  seconds: number;
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
  const speedImpls: ImplName[] = ['ours', 'anchor-tuned', 'anchor'];
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
  out.push(`- Whole run: ${fmt(info.totalSeconds)} s`);
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

  out.push('## 1. Wake latency');
  out.push('');
  out.push(
    "A task whose work takes 50 ms; `tasks/result` is sent as soon as the task exists. Latency = (response − `tools/call` sent) − the work's measured duration; " +
      '"after work" = response − the moment the work returned. 200 runs after 20 warm-up runs, one after the other (the client waits for each result before starting the next); ' +
      'for the default-poll anchor (A), whose every run takes about a second, runs start 50 per second and overlap, to fit the time budget — its figure is set by its 1000 ms poll either way. ' +
      "Last column, a same-run baseline: a plain, non-task `tools/call` sent after 50 ms of idling, the state the process is in when the work's sleep ends (an idle process on this VM answers several times slower than a busy one). ms.",
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
    'A lifecycle is a task-augmented `tools/call` (instant work) then `tasks/result`; closed loop, warmed up in 0.5 s windows until two in a row agree within 10 % ' +
      '(rate and CPU; at least 1 s, at most 10 s; the time it took is the last column), then 2 s (c1) or 3 s (c64) measured. ' +
      'CPU µs = user + system time of the whole process (client and server, process.cpuUsage) ÷ lifecycles completed in the measured window: on a shared machine the wall-clock rate swings with other load while CPU per lifecycle stays steady, so the verdicts use the CPU ratio to A-tuned measured in this run.',
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
      "(for the SDK rows: after its `updateTaskStatus('working')`); 200 lifecycles after 20 warm-up ones, one after the other (A: started 25 per second, overlapping, as above); ms. Then full lifecycles/s (create, `tasks/result` carrying the elicitation, answer, result) at concurrency 64, 1 s warm-up, 4 s measured.",
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
    '100,000 live tasks (work that waits for its `task.signal`) created in one process, in batches of 1,000 at concurrency 64 over the in-memory transport ' +
      '(after 2,000 warm-up tasks). Creation rate near 1,000 live = tasks 1,000–3,000; near 100,000 live = tasks 98,000–100,000. ' +
      '`tasks/list` (page size 10): first page, then every page of a full walk (stopped after 5 s if not done). Cancel-all: `tasks/cancel` for every task, concurrency 64.',
  );
  out.push('');
  const live = (impl: ImplName) => find(impl, 'memory', 'scale-live');
  out.push(
    table(
      [
        'Implementation',
        'created/s overall',
        'created/s near 1k live',
        'created/s near 100k live',
        'ratio 100k ÷ 1k',
        'heap per live task',
        'heap MB',
        'list first page ms',
        'list pages walked',
        'list page mean ms',
        'list page p99 ms',
        'cancel-all s',
      ],
      (['ours', 'anchor'] as const).map((impl) => {
        const m = live(impl);
        return [
          impl === 'anchor' ? 'SDK tasks (A)' : IMPL_LABEL[impl],
          m?.createPerSecAll ?? NaN,
          m?.createPerSecAt1k ?? NaN,
          m?.createPerSecAt100k ?? NaN,
          m ? m.createPerSecAt100k! / m.createPerSecAt1k! : NaN,
          m ? kb(m.bytesPerLiveTask!) : '–',
          m?.heapMB ?? NaN,
          m?.listFirstPageMs ?? NaN,
          m ? `${fmt(m.listPagesWalked!)}${m.listWalkedAll ? ' (all)' : ' (time cap)'}` : '–',
          m?.listPageMeanMs ?? NaN,
          m?.listPageP99Ms ?? NaN,
          m ? m.cancelAllMs! / 1000 : NaN,
        ];
      }),
    ),
  );
  out.push('');
  const r = find('ours', 'memory', 'scale-retained');
  out.push(
    '1,000,000 retained finished tasks (instant work) created in one process (concurrency 64); then 20,000 `tasks/get` of random ones, one at a time.',
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
      ['Configuration', 'seconds', 'load before', 'load after'],
      results.map((x) => [`${x.impl} / ${x.transport} / ${x.group}`, x.seconds, x.load[0], x.load[1]]),
    ),
  );
  out.push('');
  return out.join('\n');
}

type Metrics = Record<string, number> | undefined;

/** `key` of `m` ÷ `key` of A-tuned in the same run (NaN when either is missing). */
function cpuRatio(m: Metrics, tuned: Metrics, key: string): number {
  const a = m?.[key];
  const b = tuned?.[key];
  return a === undefined || b === undefined ? NaN : a / b;
}

/** The targets of issue 14; throughput verdicts come from CPU per operation relative to A-tuned in the same run. */
function targetsTable(find: (impl: ImplName, t: TransportKind, g: Group) => Metrics): string {
  const rows: Row[] = [];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  for (const t of ['memory', 'http'] as const) {
    const o = find('ours', t, 'speed');
    const a = find('anchor', t, 'speed');
    const at = find('anchor-tuned', t, 'speed');
    const tl = TRANSPORT_LABEL[t];
    const cpu = cpuRatio(o, at, 'lifecycleC64CpuUs');
    rows.push([
      `CPU per lifecycle at c64 ≤ 1.2 × A-tuned (${tl})`,
      o ? `${fmt(o.lifecycleC64CpuUs!)} µs (${fmt(cpu)} ×)` : '–',
      at ? `${fmt(at.lifecycleC64CpuUs!)} µs` : '–',
      a ? `${fmt(a.lifecycleC64CpuUs!)} µs` : '–',
      verdict(o && at ? cpu <= 1.2 : undefined),
    ]);
    const rate = o && at ? o.lifecycleC64! / at.lifecycleC64! : NaN;
    rows.push([
      `Lifecycles/s at c64 ≥ 1.0 × A-tuned (${tl}; wall clock, shared machine)`,
      o ? `${fmt(o.lifecycleC64!)}/s (${fmt(rate)} ×)` : '–',
      at ? `${fmt(at.lifecycleC64!)}/s` : '–',
      a ? `${fmt(a.lifecycleC64!)}/s` : '–',
      verdict(o && at ? rate >= 1 : undefined),
    ]);
    if (t === 'memory') {
      rows.push([
        `Wake latency p50 ≤ 1 ms, p99 ≤ 2 ms (${tl})`,
        o ? `${fmt(o.wakeP50!)} / ${fmt(o.wakeP99!)} ms` : '–',
        at ? `${fmt(at.wakeP50!)} / ${fmt(at.wakeP99!)} ms` : '–',
        a ? `${fmt(a.wakeP50!)} / ${fmt(a.wakeP99!)} ms` : '–',
        verdict(o && o.wakeP50! <= 1 && o.wakeP99! <= 2),
      ]);
    }
  }
  const mem = (impl: ImplName, state: string) => find(impl, 'memory', `memory-${state}` as Group)?.bytesPerTask;
  const heapRow = (label: string, state: string, limit: number) => {
    const ours = mem('ours', state);
    const sdk = mem('anchor', state);
    rows.push([
      label,
      ours === undefined ? '–' : kb(ours),
      '',
      sdk === undefined ? '–' : kb(sdk),
      verdict(ours === undefined ? undefined : ours <= limit),
    ]);
  };
  heapRow('≤ 3.5 KB heap per live task whose work awaits its signal, actor included', 'working', 3.5 * 1024);
  heapRow('≤ 5 KB heap per live task waiting for one unanswered elicitation', 'input', 5 * 1024);
  heapRow('≤ 0.7 KB heap per retained finished task', 'retained', 0.7 * 1024);
  const live = find('ours', 'memory', 'scale-live');
  const liveA = find('anchor', 'memory', 'scale-live');
  rows.push([
    '100,000 live tasks created at ≥ 20,000/s',
    live ? `${fmt(live.createPerSecAll!)}/s` : '–',
    '',
    liveA ? `${fmt(liveA.createPerSecAll!)}/s` : '–',
    verdict(live && live.createPerSecAll! >= 20_000),
  ]);
  rows.push([
    'Creation rate at 100,000 live within 1.5× of the rate at 1,000 live',
    live
      ? `${fmt(live.createPerSecAt100k! / live.createPerSecAt1k!)} (${fmt(live.createPerSecAt100k!)} ÷ ${fmt(live.createPerSecAt1k!)} /s)`
      : '–',
    '',
    liveA ? fmt(liveA.createPerSecAt100k! / liveA.createPerSecAt1k!) : '–',
    verdict(live && live.createPerSecAt100k! * 1.5 >= live.createPerSecAt1k!),
  ]);
  rows.push([
    'Cancel-all of 100,000 live tasks ≤ 2 s',
    live ? `${fmt(live.cancelAllMs! / 1000)} s` : '–',
    '',
    liveA ? `${fmt(liveA.cancelAllMs! / 1000)} s` : '–',
    verdict(live && live.cancelAllMs! <= 2000),
  ]);
  return table(['Target (issue 14)', 'mcp-task-actors', 'A-tuned', 'A', 'Verdict'], rows);
}
