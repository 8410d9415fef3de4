/**
 * `npm run bench:sdk`: the SDK v2 adapter next to the v1 one, in one run, same workload, same
 * transport. Each line gets its own TaskSupport and a sessionful Streamable HTTP server on 127.0.0.1
 * built from that line's web-standard transport (`WebStandardStreamableHTTPServerTransport`, JSON
 * responses), served by the same Node http wrapper; one raw `fetch` client drives both, so the rows
 * differ only in the SDK line and its adapter. The era is 2025-11-25 on both, the only era both
 * lines serve with a waiting `tasks/result` (2026-07-28 has only polled `tasks/get`).
 *
 * - wake latency: work of 20 ms, `tasks/result` sent as soon as the task exists; latency = the
 *   response's arrival − the moment the work returned (both clocks in this process); 300 runs each,
 *   after 30 warm-up runs, the two lines interleaved run by run so drift hits both alike;
 * - throughput: lifecycles (task-augmented `tools/call` with instant work, then `tasks/result`) per
 *   second, closed loop at concurrency 1 and 16, median of 5 alternating rounds (warm-up until the rate settles, 0.3–3 s; 1 s measured), and the process CPU
 *   time (`process.cpuUsage`, user + system, client included: it is the same code for both) per lifecycle.
 *
 *   npm run bench:sdk               # prints and writes the section into docs/benchmarks.md
 *   npm run bench:sdk -- --no-write # prints only
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport as TransportV1 } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport as TransportV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TaskSupport } from '../src/index.js';
import type { AnyServer } from '../src/index.js';
import { serveFetch } from '../test/sdk/v2/harness.js';
import { percentile, sleep, throughput } from './stats.js';
import { replaceSdkSection } from './sdkSection.js';
import { SessionClient } from './sessionClient.js';

const silent = { warn: () => {}, error: () => {} };
const limits = { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000, taskCreationRate: Infinity, taskOperationRate: Infinity };

/** What one SDK line needs to be benchmarked: a server and a transport of that line. */
interface Line {
  name: string;
  newServer(): AnyServer & { connect(transport: never): Promise<void> };
  newTransport(onSession: (id: string, transport: WebTransport) => void): WebTransport;
}

/** The part of both lines' web-standard transports used here. */
interface WebTransport {
  handleRequest(request: Request): Promise<Response>;
  close(): Promise<void>;
}

const lines: Line[] = [
  {
    name: 'SDK v1 1.32 (`@modelcontextprotocol/sdk`)',
    newServer: () => new McpServerV1({ name: 'bench-v1', version: '1' }) as never,
    newTransport: (onSession) => {
      const t: TransportV1 = new TransportV1({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => onSession(id, t),
      });
      return t;
    },
  },
  {
    name: 'SDK v2 2.4 (`@modelcontextprotocol/server`)',
    newServer: () => new McpServerV2({ name: 'bench-v2', version: '1' }) as never,
    newTransport: (onSession) => {
      const t: TransportV2 = new TransportV2({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => onSession(id, t),
      });
      return t;
    },
  },
];

interface Served {
  line: Line;
  tasks: TaskSupport;
  client: SessionClient;
  workReturned: Map<string, number>;
  close(): Promise<void>;
}

async function serve(line: Line): Promise<Served> {
  const tasks = new TaskSupport({ logger: silent, limits });
  const workReturned = new Map<string, number>();
  const sessions = new Map<string, WebTransport>();
  const servers: { close(): Promise<void> }[] = [];
  const http = await serveFetch(async (request) => {
    const existing = sessions.get(request.headers.get('mcp-session-id') ?? '');
    if (existing) return existing.handleRequest(request);
    const server = line.newServer();
    tasks.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
    tasks.registerTool(server, 'twenty', { taskSupport: 'required', inputSchema: { id: z.string() } }, async ({ id }) => {
      await sleep(20);
      workReturned.set(id, performance.now());
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    tasks.enable(server);
    const transport = line.newTransport((id, t) => sessions.set(id, t));
    await server.connect(transport as never);
    servers.push(server as unknown as { close(): Promise<void> });
    return transport.handleRequest(request);
  });
  const client = await SessionClient.connect(http.url);
  return {
    line,
    tasks,
    client,
    workReturned,
    close: async () => {
      for (const server of servers) await server.close();
      await http.close();
      await tasks.close();
    },
  };
}

async function lifecycle(client: SessionClient, tool = 'instant', args: Record<string, unknown> = {}): Promise<void> {
  const created = await client.request<{ task: { taskId: string } }>('tools/call', { name: tool, arguments: args, task: {} });
  await client.request('tasks/result', { taskId: created.task.taskId });
}

async function wake(s: Served, id: string): Promise<number> {
  await lifecycle(s.client, 'twenty', { id });
  const arrived = performance.now();
  return arrived - s.workReturned.get(id)!;
}

function fmt(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const { values } = parseArgs({ options: { 'no-write': { type: 'boolean', default: false } } });
const loadBefore = loadavg()[0]!;
const served = [await serve(lines[0]!), await serve(lines[1]!)];

const latencies = served.map(() => [] as number[]);
for (let i = 0; i < 330; i++) {
  for (const [index, s] of served.entries()) {
    const ms = await wake(s, `${index}-${i}`);
    if (i >= 30) latencies[index]!.push(ms);
  }
}

const ROUNDS = 5;
const rates: { concurrency: number; perSecond: number[]; cpuMicros: number[] }[] = [];
for (const concurrency of [1, 16]) {
  // Rounds alternate the lines, and each figure is the median of its rounds: on a shared machine a
  // burst of other load then hits both lines alike instead of one whole row.
  const rounds = served.map(() => ({ perSecond: [] as number[], cpuMicros: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, s] of served.entries()) {
      const measured = await throughput(() => lifecycle(s.client), {
        concurrency,
        minWarmupMs: 300,
        maxWarmupMs: 3_000,
        measureMs: 1000,
      });
      rounds[i]!.perSecond.push(measured.perSecond);
      rounds[i]!.cpuMicros.push(measured.cpuUsPerOp);
    }
  }
  rates.push({
    concurrency,
    perSecond: rounds.map((r) => percentile(r.perSecond, 50)),
    cpuMicros: rounds.map((r) => percentile(r.cpuMicros, 50)),
  });
}
for (const s of served) await s.close();

const section = [
  '## SDK v1 vs SDK v2 adapter',
  '',
  `Produced by \`npm run bench:sdk\` (\`bench/sdk.ts\`), in one run: ${new Date().toISOString()}; Node ${process.version}; CPU ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; 1-minute load ${fmt(loadBefore)} → ${fmt(loadavg()[0]!)}.`,
  '',
  'Same workload and transport for both lines: 2025-11-25 era (task-augmented `tools/call`, waiting `tasks/result`), one sessionful Streamable HTTP server per line on 127.0.0.1 built from that line’s `WebStandardStreamableHTTPServerTransport` (JSON responses) behind the same Node http wrapper, one raw `fetch` client in the same process; its own `TaskSupport` (in-memory) per line.',
  '',
  'Wake latency: work of 20 ms, `tasks/result` sent as soon as the task exists; latency = response received − work returned; 300 runs per line after 30 warm-up runs, the lines interleaved run by run. ms.',
  '',
  '| SDK line | p50 | p99 |',
  '|---|---|---|',
  ...served.map((s, i) => `| ${s.line.name} | ${fmt(percentile(latencies[i]!, 50))} | ${fmt(percentile(latencies[i]!, 99))} |`),
  '',
  `Lifecycle throughput: task-augmented \`tools/call\` (instant work) then \`tasks/result\`, closed loop, ${ROUNDS} rounds per line alternating v1 and v2, each warmed up until two 0.5 s windows agree within 10 % (0.3–3 s) and 1 s measured, median of the rounds; CPU = process user + system time (client included, the same code for both lines) ÷ lifecycles completed in the window.`,
  '',
  '| SDK line | concurrency | lifecycles/s | CPU µs per lifecycle |',
  '|---|---|---|---|',
  ...rates.flatMap((row) =>
    served.map((s, i) => `| ${s.line.name} | ${row.concurrency} | ${fmt(row.perSecond[i]!, 0)} | ${fmt(row.cpuMicros[i]!, 0)} |`),
  ),
].join('\n');

process.stdout.write(`${section}\n`);
if (!values['no-write']) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  writeFileSync(path, replaceSdkSection(readFileSync(path, 'utf8'), section));
  process.stderr.write(`written to ${path.pathname}\n`);
}
