/**
 * `npm run bench:workers`: what a worker pool costs. In one run, against a redis-server this script
 * starts on 127.0.0.1 (and stops), the same client load on two placements of the Redis backend:
 * - in process: one TaskSupport runs the work of the calls it receives (the default);
 * - split: one front in this process, two workers as child processes of this script
 *   (`--worker`), jobs through BullMQ.
 * For each: lifecycles/s (instant work, 16 in flight, 3 s), CPU µs per lifecycle (this process plus
 * the workers, and redis-server apart), Redis commands per lifecycle (CONFIG RESETSTAT, then INFO
 * commandstats; the workers' idle polling included), and the `tasks/result` wake after the work
 * returned (work of 50 ms, 100 runs, 4 in flight; clocks compared with performance.timeOrigin).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createWorkerPool } from '../src/bullmq/index.js';
import { TaskSupport } from '../src/index.js';
import type { TaskSupportOptions } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { startRedisServer } from '../test/support/redisServer.js';
import { percentile, pool } from './stats.js';

const silent = { warn: () => {}, error: () => {} };
const limits = { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000, taskCreationRate: Infinity, taskOperationRate: Infinity };
const PREFIX = 'benchw:';
const now = (): number => performance.timeOrigin + performance.now();

/** The bench's two tools: instant work, and 50 ms of work that says when it returned. */
function registerTools(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
  tasks.registerTool(server, 'fifty', { taskSupport: 'required' }, async () => {
    await new Promise((r) => setTimeout(r, 50));
    return { content: [{ type: 'text', text: 'ok' }], structuredContent: { returnedAt: now() } };
  });
}

function connection(url: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null };
}

/** A worker process: the tools on a TaskSupport whose placement takes jobs; answers CPU questions over IPC. */
async function runWorker(url: string): Promise<void> {
  const backend = await createRedisTaskBackend({ url, prefix: PREFIX });
  const tasks = new TaskSupport({
    ...backend,
    logger: silent,
    limits,
    placement: createWorkerPool({ role: 'worker', connection: connection(url), prefix: `${PREFIX}jobs`, concurrency: 64 }),
  });
  registerTools(tasks, new McpServer({ name: 'bench-worker', version: '1' }));
  process.on('message', (message) => {
    if (message === 'cpu') process.send!({ cpu: process.cpuUsage() });
    if (message === 'stop')
      void tasks
        .close()
        .then(() => backend.close())
        .then(() => process.exit(0));
  });
  process.send!('ready');
}

async function connect(options: TaskSupportOptions): Promise<{ tasks: TaskSupport; client: Client }> {
  const tasks = new TaskSupport({ logger: silent, limits, ...options });
  const server = new McpServer({ name: 'bench', version: '1' });
  registerTools(tasks, server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(a);
  return { tasks, client };
}

async function lifecycle(client: Client, name: string): Promise<{ returnedAt?: number; receivedAt: number }> {
  const created = await client.request({ method: 'tools/call', params: { name, arguments: {}, task: {} } }, CreateTaskResultSchema);
  const result = await client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
  const receivedAt = now();
  const returnedAt = (result.structuredContent as { returnedAt?: number } | undefined)?.returnedAt;
  return returnedAt === undefined ? { receivedAt } : { returnedAt, receivedAt };
}

function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      child.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function redisCpuMicros(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

async function redisCalls(admin: Redis): Promise<{ total: number; top: string }> {
  const info = await admin.info('commandstats');
  const rows = [...info.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)] as const);
  const total = rows.reduce((sum, [, calls]) => sum + calls, 0);
  const top = [...rows]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, calls]) => `${name} ${calls}`)
    .join(', ');
  return { total, top };
}

interface Figures {
  perSecond: number;
  cpuMicros: number;
  redisCpuMicros: number;
  commands: number;
  top: string;
  wake: number[];
}

async function measure(client: Client, admin: Redis, workers: ChildProcess[]): Promise<Figures> {
  await pool(300, 16, () => lifecycle(client, 'instant'));
  const cpuBefore = process.cpuUsage();
  const workersBefore = await Promise.all(workers.map(cpuOf));
  const redisBefore = await redisCpuMicros(admin);
  await admin.config('RESETSTAT');
  let done = 0;
  const start = performance.now();
  const end = start + 3_000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) {
        await lifecycle(client, 'instant');
        done++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const calls = await redisCalls(admin);
  const cpu = process.cpuUsage(cpuBefore);
  const workersAfter = await Promise.all(workers.map(cpuOf));
  const workerMicros = workersAfter.reduce((sum, after, i) => sum + after - workersBefore[i]!, 0);
  const redisMicros = (await redisCpuMicros(admin)) - redisBefore;
  const wake: number[] = [];
  await pool(100, 4, async () => {
    const { returnedAt, receivedAt } = await lifecycle(client, 'fifty');
    wake.push(receivedAt - returnedAt!);
  });
  return {
    perSecond: done / seconds,
    cpuMicros: (cpu.user + cpu.system + workerMicros) / done,
    redisCpuMicros: redisMicros / done,
    // The INFO call itself is counted once; negligible against thousands of lifecycles.
    commands: calls.total / done,
    top: calls.top,
    wake,
  };
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const admin = new Redis(redis.url);
  const children: ChildProcess[] = [];
  try {
    const inProcessBackend = await createRedisTaskBackend({ url: redis.url, prefix: 'benchp:' });
    const inProcess = await connect({ ...inProcessBackend });
    const local = await measure(inProcess.client, admin, []);
    await inProcess.client.close();
    await inProcess.tasks.close();
    await inProcessBackend.close();

    for (let i = 0; i < 2; i++) {
      const child = fork(fileURLToPath(import.meta.url), ['--worker', redis.url], { execArgv: ['--import', 'tsx'] });
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      children.push(child);
    }
    const frontBackend = await createRedisTaskBackend({ url: redis.url, prefix: PREFIX });
    const front = await connect({
      ...frontBackend,
      placement: createWorkerPool({ role: 'front', connection: connection(redis.url), prefix: `${PREFIX}jobs` }),
    });
    const split = await measure(front.client, admin, children);
    await front.client.close();
    await front.tasks.close();
    await frontBackend.close();

    const row = (name: string, f: Figures): string =>
      `| ${name} | ${f.perSecond.toFixed(0)} | ${f.cpuMicros.toFixed(0)} | ${f.redisCpuMicros.toFixed(0)} | ${f.commands.toFixed(1)} | ${percentile(f.wake, 50).toFixed(2)} | ${percentile(f.wake, 99).toFixed(2)} |`;
    console.log(
      [
        `Node ${process.version}; redis-server on 127.0.0.1; SDK InMemoryTransport client; ${process.env['BENCH_NOTE'] ?? ''}`,
        '',
        '| placement | lifecycles/s | CPU µs/lifecycle (Node) | redis-server CPU µs/lifecycle | Redis commands/lifecycle | wake p50 ms | wake p99 ms |',
        '|---|---|---|---|---|---|---|',
        row('in process (Redis backend)', local),
        row('front + 2 worker processes (BullMQ)', split),
        '',
        `Most called: in process: ${local.top}; split: ${split.top}.`,
        `Split ÷ in process: lifecycles/s ${(split.perSecond / local.perSecond).toFixed(2)}, CPU ${(split.cpuMicros / local.cpuMicros).toFixed(2)}, commands ${(split.commands / local.commands).toFixed(2)}.`,
      ].join('\n'),
    );
  } finally {
    for (const child of children) {
      child.send('stop');
      await new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()));
    }
    admin.disconnect();
    await redis.dispose();
  }
}

if (process.argv[2] === '--worker') await runWorker(process.argv[3]!);
else await main();
