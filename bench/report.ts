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
    'A lifecycle is a task-augmented `tools/call` (instant work) then `tasks/result`; closed loop, 0.5 s warm-up, 2 s measured. ' +
      'Ratio = lifecycles/s ÷ ceiling calls/s at the same concurrency on the same server and transport (a lifecycle is two requests, so 0.5 is the physical limit).',
  );
  out.push('');
  out.push(
    table(
      [
        'Implementation',
        'Transport',
        'ceiling calls/s c1',
        'lifecycles/s c1',
        'ratio c1',
        'ceiling calls/s c64',
        'lifecycles/s c64',
        'ratio c64',
      ],
      transports.flatMap((t) =>
        speedImpls.map((impl) => {
          const m = find(impl, t, 'speed');
          return [
            IMPL_LABEL[impl],
            TRANSPORT_LABEL[t],
            m?.ceilingC1 ?? NaN,
            m?.lifecycleC1 ?? NaN,
            m ? m.lifecycleC1! / m.ceilingC1! : NaN,
            m?.ceilingC64 ?? NaN,
            m?.lifecycleC64 ?? NaN,
            m ? m.lifecycleC64! / m.ceilingC64! : NaN,
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
      ['Implementation', 'Transport', 'runs', 'p50', 'p99', 'lifecycles/s c64 (one elicitation each)'],
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
      'Working: the work never returns. Waiting for input: the work elicited and nobody answered yet (the request is queued). Retained: finished (instant work), record and result kept for their ttl (1 h).',
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
    '100,000 live tasks (work that never returns) created in one process, in batches of 1,000 at concurrency 64 over the in-memory transport ' +
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

function targetsTable(find: (impl: ImplName, t: TransportKind, g: Group) => Record<string, number> | undefined): string {
  const rows: Row[] = [];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  for (const t of ['memory', 'http'] as const) {
    const o = find('ours', t, 'speed');
    const a = find('anchor', t, 'speed');
    const at = find('anchor-tuned', t, 'speed');
    const tl = TRANSPORT_LABEL[t];
    rows.push([
      `Wake latency p50 ≤ 1 ms, p99 ≤ 5 ms (${tl})`,
      o ? `${fmt(o.wakeP50!)} / ${fmt(o.wakeP99!)} ms` : '–',
      at ? `${fmt(at.wakeP50!)} / ${fmt(at.wakeP99!)} ms` : '–',
      a ? `${fmt(a.wakeP50!)} / ${fmt(a.wakeP99!)} ms` : '–',
      verdict(o && o.wakeP50! <= 1 && o.wakeP99! <= 5),
    ]);
    const ratio = (m: Record<string, number> | undefined) => (m ? m.lifecycleC64! / m.ceilingC64! : NaN);
    rows.push([
      `Lifecycles/s at c64 ≥ 0.35 × ceiling calls/s (${tl})`,
      o ? `${fmt(ratio(o))} (${fmt(o.lifecycleC64!)} ÷ ${fmt(o.ceilingC64!)})` : '–',
      at ? `${fmt(ratio(at))}` : '–',
      a ? `${fmt(ratio(a))}` : '–',
      verdict(o && ratio(o) >= 0.35),
    ]);
    rows.push([
      `Input round trip p50 ≤ 2 ms (${tl})`,
      o ? `${fmt(o.inputP50!)} ms` : '–',
      at ? `${fmt(at.inputP50!)} ms` : '–',
      a ? `${fmt(a.inputP50!)} ms` : '–',
      verdict(o && o.inputP50! <= 2),
    ]);
  }
  const mem = (impl: ImplName, state: string) => find(impl, 'memory', `memory-${state}` as Group)?.bytesPerTask;
  const retained = mem('ours', 'retained');
  rows.push([
    '≤ 1 KB heap per retained finished task',
    retained === undefined ? '–' : kb(retained),
    '',
    mem('anchor', 'retained') === undefined ? '–' : kb(mem('anchor', 'retained')!),
    verdict(retained === undefined ? undefined : retained <= 1024),
  ]);
  const working = mem('ours', 'working');
  rows.push([
    '≤ 5 KB heap per live task (working), actor included',
    working === undefined ? '–' : kb(working),
    '',
    mem('anchor', 'working') === undefined ? '–' : kb(mem('anchor', 'working')!),
    verdict(working === undefined ? undefined : working <= 5120),
  ]);
  const input = mem('ours', 'input');
  rows.push([
    '≤ 5 KB heap per live task (waiting for input), actor included',
    input === undefined ? '–' : kb(input),
    '',
    mem('anchor', 'input') === undefined ? '–' : kb(mem('anchor', 'input')!),
    verdict(input === undefined ? undefined : input <= 5120),
  ]);
  const live = find('ours', 'memory', 'scale-live');
  const liveA = find('anchor', 'memory', 'scale-live');
  rows.push([
    '100,000 live tasks created at ≥ 5,000/s',
    live ? `${fmt(live.createPerSecAll!)}/s` : '–',
    '',
    liveA ? `${fmt(liveA.createPerSecAll!)}/s` : '–',
    verdict(live && live.createPerSecAll! >= 5000),
  ]);
  rows.push([
    'Creation rate at 100,000 live within 2× of the rate at 1,000 live',
    live
      ? `${fmt(live.createPerSecAt100k! / live.createPerSecAt1k!)} (${fmt(live.createPerSecAt100k!)} ÷ ${fmt(live.createPerSecAt1k!)} /s)`
      : '–',
    '',
    liveA ? fmt(liveA.createPerSecAt100k! / liveA.createPerSecAt1k!) : '–',
    verdict(live && live.createPerSecAt100k! * 2 >= live.createPerSecAt1k!),
  ]);
  rows.push([
    'Cancel-all of 100,000 live tasks ≤ 5 s',
    live ? `${fmt(live.cancelAllMs! / 1000)} s` : '–',
    '',
    liveA ? `${fmt(liveA.cancelAllMs! / 1000)} s` : '–',
    verdict(live && live.cancelAllMs! <= 5000),
  ]);
  return table(['Target', 'mcp-task-actors', 'A-tuned', 'A', 'Verdict'], rows);
}
