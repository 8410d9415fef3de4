/**
 * Input round-trip latency through each delivery path, in one run (issue 18). One process, SDK v1
 * client and server over the in-memory transport, the client answers at once. Per round:
 * - delivery: the work calls `task.elicit` → the request reaches the client;
 * - return: the request reaches the client → the work has its answer (the actor is back in `working`);
 * - CPU: process user + system time of the whole round (create the task, deliver, answer, result),
 *   client included, ÷ rounds; the baseline is a plain (non-task) `tools/call` in the same run.
 *
 * Paths:
 * - `tasks/result stream`: a 2025-11-25 task whose `tasks/result` is open when it asks;
 * - `standalone stream`: a 2025-11-25 task with no `tasks/result` open (pushed on the session's stream);
 * - `extension tasks/get + tasks/update`: the request read from `tasks/get` (polled at the task's
 *   `pollIntervalMs`, as a requester does), answered with `tasks/update`.
 *
 * `node --import tsx bench/inputLatency.ts [rounds] [--write]` (REDIS_URL=redis://… for the Redis
 * backend; --write puts the table into docs/benchmarks.md between the bench:input markers, bench:input-redis on Redis)
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { z } from 'zod';
import { replaceMarkedSection } from './markedSection.js';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../src/client/index.js';
import { TaskSupport } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';

const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => !a.startsWith('--')) ?? 300);
const WRITE = args.includes('--write');
const POLL = 10;
const FORM = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } } };

/** When each task's answer reached its work, by task key (set by the tool). */
const answered = new Map<string, (at: number) => void>();
/** When each task's work asked, by task key. */
const askedAt = new Map<string, number>();
/** Gate: the tool asks only once the runner let it (so tasks/result can be open first). */
const gates = new Map<string, Promise<void>>();

// With REDIS_URL the store, queue and cluster are Redis's (one instance).
const redis = process.env['REDIS_URL']
  ? await createRedisTaskBackend({ url: process.env['REDIS_URL'], prefix: `latency-${Date.now()}:` })
  : undefined;
const tasks = new TaskSupport({
  ...(redis ? { store: redis.store, queue: redis.queue, cluster: redis.cluster } : {}),
  pollInterval: POLL,
  limits: { minPollInterval: POLL, taskCreationRate: Infinity, taskOperationRate: Infinity },
  logger: { warn: () => {}, error: () => {} },
});
const server = new McpServer({ name: 'latency', version: '1' });
tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
  await gates.get(key);
  askedAt.set(key, performance.now());
  await task.elicit({ message: key, requestedSchema: FORM });
  answered.get(key)?.(performance.now());
  return { content: [{ type: 'text', text: 'ok' }] };
});
server.registerTool('plain', { inputSchema: { key: z.string() } }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
tasks.enable(server);
const client = new Client({ name: 'latency', version: '1' }, { capabilities: { elicitation: { form: {} } } });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
await client.connect(clientSide);

/** When the client received each elicitation, by its message (the task key). */
const arrived = new Map<string, number>();
client.setRequestHandler(ElicitRequestSchema, (request) => {
  arrived.set(request.params.message, performance.now());
  return { action: 'accept', content: { ok: true } };
});

function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  return { promise: new Promise<T>((r) => (resolve = r)), resolve };
}

function attached(taskId: string): number {
  const engine = (tasks as unknown as { engine: { live: Map<string, { attached: number }> } }).engine;
  return engine.live.get(taskId)?.attached ?? 0;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

/** One round's legs, ms: the request's way to the client, and the answer's way back to the work. */
interface Legs {
  delivery: number;
  back: number;
  /** CPU µs the bench itself spent waiting (spinning until tasks/result is attached): not the path's. */
  benchCpu?: number;
}

/** One 2025-11-25 round: the request on the tasks/result stream (`open`) or pushed on the session's stream. */
async function rev2025Round(key: string, open: boolean): Promise<Legs> {
  const gate = deferred();
  gates.set(key, gate.promise);
  const done = deferred<number>();
  answered.set(key, done.resolve);
  const created = await client.request(
    { method: 'tools/call', params: { name: 'ask', arguments: { key }, task: {} } },
    CreateTaskResultSchema,
  );
  const taskId = created.task.taskId;
  let result: Promise<unknown> | undefined;
  let benchCpu = 0;
  if (open) {
    result = client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    const spin = process.cpuUsage();
    await until(() => attached(taskId) > 0);
    const spent = process.cpuUsage(spin);
    benchCpu = spent.user + spent.system;
  }
  gate.resolve();
  const at = await done.promise;
  // The pushed task's result is read too, so both 2025 rounds do the same requests.
  await (result ?? client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema));
  const reached = arrived.get(key)!;
  return { delivery: reached - askedAt.get(key)!, back: at - reached, benchCpu };
}

const meta = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } } };
const loose = z.looseObject({});

/**
 * One extension round: `tasks/get` polled at the task's `pollIntervalMs` shows the request (it
 * reaches the client), `tasks/update` answers it, one more `tasks/get` reads the result.
 */
async function extensionRound(key: string): Promise<Legs> {
  const done = deferred<number>();
  answered.set(key, done.resolve);
  // The work asks at a random moment of the poll cycle (after the first tasks/get), as it would in use.
  const gate = deferred();
  gates.set(key, gate.promise);
  let released = false;
  const created = await client.request({ method: 'tools/call', params: { name: 'ask', arguments: { key }, _meta: meta } }, loose);
  const taskId = created['taskId'] as string;
  let interval = (created['pollIntervalMs'] as number | undefined) ?? POLL;
  let legs: Legs | undefined;
  for (;;) {
    const task = await client.request({ method: 'tasks/get', params: { taskId, _meta: meta } }, loose);
    interval = (task['pollIntervalMs'] as number | undefined) ?? interval;
    if (task['status'] === 'completed') return legs!;
    if (!released) {
      released = true;
      setTimeout(() => gate.resolve(), Math.random() * interval);
    }
    const requests = Object.keys((task['inputRequests'] ?? {}) as Record<string, unknown>);
    if (requests.length > 0 && !legs) {
      const reached = performance.now();
      await client.request(
        {
          method: 'tasks/update',
          params: { taskId, inputResponses: { [requests[0]!]: { action: 'accept', content: { ok: true } } }, _meta: meta },
        },
        loose,
      );
      legs = { delivery: reached - askedAt.get(key)!, back: (await done.promise) - reached };
      continue;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The baseline: a plain (non-task) tools/call, no input. */
async function plainRound(key: string): Promise<Legs> {
  await client.request({ method: 'tools/call', params: { name: 'plain', arguments: { key } } }, CallToolResultSchema);
  return { delivery: 0, back: 0 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Samples {
  delivery: number[];
  back: number[];
  total: number[];
  cpuMicros: number;
}

const paths: [string, (key: string) => Promise<Legs>][] = [
  ['plain tools/call (baseline, no input)', plainRound],
  ['tasks/result stream', (key) => rev2025Round(key, true)],
  ['standalone stream (push)', (key) => rev2025Round(key, false)],
  ['extension tasks/get + tasks/update', extensionRound],
];
const samples = new Map<string, Samples>(paths.map(([name]) => [name, { delivery: [], back: [], total: [], cpuMicros: 0 }]));
const load = [loadavg()[0]!];
const startedAt = new Date().toISOString();
// Interleaved, so that a slow stretch of the machine hits every path alike; the first 20 rounds warm up.
for (let round = 0; round < ROUNDS + 20; round++) {
  for (const [name, run] of paths) {
    const cpu = process.cpuUsage();
    const legs = await run(`${name}-${round}`);
    const used = process.cpuUsage(cpu);
    if (round < 20) continue;
    const s = samples.get(name)!;
    s.delivery.push(legs.delivery);
    s.back.push(legs.back);
    s.total.push(legs.delivery + legs.back);
    s.cpuMicros += used.user + used.system - (legs.benchCpu ?? 0);
  }
}
load.push(loadavg()[0]!);

const baselineCpu = samples.get(paths[0]![0])!.cpuMicros / ROUNDS;
const ms = (values: number[], p: number): string =>
  percentile(
    [...values].sort((a, b) => a - b),
    p,
  ).toFixed(2);
const rows = [...samples].map(([name, s]) => {
  const cpu = s.cpuMicros / ROUNDS;
  const timing = name.startsWith('plain')
    ? '— | — | — | —'
    : `${ms(s.delivery, 50)} | ${ms(s.back, 50)} | ${ms(s.total, 50)} | ${ms(s.total, 99)}`;
  return `| ${name} | ${timing} | ${Math.round(cpu).toLocaleString('en-US')} | ${(cpu / baselineCpu).toFixed(1)} |`;
});
const backend = redis
  ? 'Redis (one redis-server on 127.0.0.1 for store, queue and cluster; its own CPU is not in the figures)'
  : 'in-memory';
const section = [
  `## Input round trip by delivery path${redis ? ', Redis backend' : ''}`,
  '',
  `Produced by \`${redis ? 'REDIS_URL=… ' : ''}node --import tsx bench/inputLatency.ts ${ROUNDS} --write\` (\`bench/inputLatency.ts\`), in one run: ${startedAt}; Node ${process.version}; CPU ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; 1-minute load ${load.map((l) => l.toFixed(2)).join(' → ')}; backend ${backend}.`,
  '',
  `One process: SDK v1 \`McpServer\` + \`Client\` over the in-memory transport; a task tool that elicits once (form), the client answers at once; ${ROUNDS} rounds per path after 20 warm-up rounds, the paths interleaved round by round; \`pollInterval\` ${POLL} ms. Delivery = the work calls \`task.elicit\` → the request reaches the client (for the extension: the \`tasks/get\` that first lists it returns; the work asks at a random moment of a requester's poll cycle of \`pollIntervalMs\`, so this leg is about half the poll interval plus one \`tasks/get\`). Return = the request reaches the client → the work has the answer. CPU = process user + system time of the whole round (create, deliver, answer, read the result; client included) ÷ rounds (the bench's own wait until the \`tasks/result\` is attached left out), and its ratio to the plain \`tools/call\` of the same run. Wall-clock figures are noisy on this shared machine; the CPU ratios are the comparable ones.`,
  '',
  '| Path | delivery p50 ms | return p50 ms | round trip p50 ms | round trip p99 ms | CPU µs per round | CPU ÷ plain call |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(section);
if (WRITE) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  writeFileSync(path, replaceMarkedSection(readFileSync(path, 'utf8'), redis ? 'bench:input-redis' : 'bench:input', section));
}
await client.close();
await server.close();
await tasks.close();
await redis?.close();
