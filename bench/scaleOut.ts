/**
 * The scale-out part of `npm run bench:redis`: 1, 2 and 4 instances (separate processes,
 * bench/scaleInstance.ts: the demo server plus a timing tool) on one Redis and on a three-master
 * Redis Cluster. Per setup: lifecycles/s under a closed loop, CPU per lifecycle of the instances,
 * of this bench client and of Redis (`INFO cpu`), Redis commands and scripts per lifecycle (`INFO
 * commandstats`, after `CONFIG RESETSTAT`; CPU with the idle rate measured just before taken
 * off), and the `tasks/result` wake (work returned → result
 * received, created on one instance and read on the next) at light load. Round trips per
 * lifecycle come from `MONITOR` (bench/redisStats.ts says what counts as one).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { countRoundTrips, parseCommandStats, parseCpuSeconds, scriptCalls, sumCommandStats } from './redisStats.js';
import { percentile } from './stats.js';

/** Where the instances keep their tasks: the environment they get and the masters to read counts from. */
export interface RedisTarget {
  label: string;
  env: Record<string, string>;
  ports: number[];
}

/** One setup's figures. */
export interface ScaleRow {
  target: string;
  instances: number;
  lifecyclesPerSecond: number;
  instanceCpuUs: number;
  clientCpuUs: number;
  redisCpuUs: number;
  /** Redis CPU per lifecycle on the busiest master (one Redis: the same as redisCpuUs). */
  busiestMasterCpuUs: number;
  commands: number;
  scripts: number;
  wakeP50: number;
  wakeP99: number;
}

interface Instance {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const TOKEN = 'bench-token';
const CONCURRENCY_PER_INSTANCE = 8;
const MEASURE_MS = 5000;
const WAKE_RUNS = 100;
const IDLE_MS = 3000;
const WAKE_WORK_MS = 20;
const CLOCK_TICK_US = 10_000; // /proc/<pid>/stat counts in USER_HZ = 100 on Linux

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scaleInstance.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${output}`)), 60_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /scale instance ready (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', () => reject(new Error(`instance exited: ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU (user + system) a process has used so far, µs, from /proc. */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
}

function selfCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'scale-bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  return client;
}

/** Created on `creator`, result read on `reader`; resolves with the wake (ms after the work returned). */
async function lifecycle(creator: Client, reader: Client, delayMs: number): Promise<number> {
  const created = await creator.request(
    { method: 'tools/call', params: { name: 'stamp', arguments: { delayMs }, task: {} } },
    CreateTaskResultSchema,
  );
  const result = await reader.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
  const received = performance.timeOrigin + performance.now();
  const block = result.content[0];
  return received - Number(block?.type === 'text' ? block.text : NaN);
}

/** Each master's connection for reading its counts. */
function masters(target: RedisTarget): Redis[] {
  return target.ports.map((port) => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
}

async function redisCpu(nodes: Redis[]): Promise<number[]> {
  return Promise.all(nodes.map(async (node) => parseCpuSeconds(await node.info('cpu')) * 1e6));
}

/** One setup: `n` instances on `target`. */
export async function measureScale(target: RedisTarget, n: number, prefix: string): Promise<ScaleRow> {
  const instances = await Promise.all(Array.from({ length: n }, () => startInstance({ ...target.env, MTA_PREFIX: prefix })));
  const nodes = masters(target);
  const clients = await Promise.all(instances.map((i) => connect(i.url)));
  try {
    const lanes = n * CONCURRENCY_PER_INSTANCE;
    const run = async (ms: number): Promise<number> => {
      let done = 0;
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          const creator = clients[lane % n]!;
          const reader = clients[(lane + 1) % n]!;
          while (performance.now() < end) {
            await lifecycle(creator, reader, 0);
            done++;
          }
        }),
      );
      return done;
    };
    await run(2000); // warm-up: JIT, connections, scripts loaded
    // What Redis and the instances burn with no request at all (serverCron, lease sweeps, cluster
    // refreshes), per second: subtracted below, else a slow run would bill it to its few lifecycles.
    const idleBefore = { redis: await redisCpu(nodes), instances: instances.map((i) => processCpuUs(i.pid)), at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleSeconds = (performance.now() - idleBefore.at) / 1000;
    const idleRedis = (await redisCpu(nodes)).map((cpu, i) => (cpu - idleBefore.redis[i]!) / idleSeconds);
    const idleInstances =
      instances.reduce((sum, instance, i) => sum + processCpuUs(instance.pid) - idleBefore.instances[i]!, 0) / idleSeconds;
    await Promise.all(nodes.map((node) => node.config('RESETSTAT')));
    const before = { redis: await redisCpu(nodes), instances: instances.map((i) => processCpuUs(i.pid)), self: selfCpuUs() };
    const started = performance.now();
    const done = await run(MEASURE_MS);
    const seconds = (performance.now() - started) / 1000;
    const after = { redis: await redisCpu(nodes), instances: instances.map((i) => processCpuUs(i.pid)), self: selfCpuUs() };
    const stats = sumCommandStats(await Promise.all(nodes.map(async (node) => parseCommandStats(await node.info('commandstats')))));
    const redisDeltas = after.redis.map((cpu, i) => Math.max(0, cpu - before.redis[i]! - idleRedis[i]! * seconds));
    const instanceCpu = Math.max(0, after.instances.reduce((sum, cpu, i) => sum + cpu - before.instances[i]!, 0) - idleInstances * seconds);
    const commands = [...stats.values()].reduce((a, b) => a + b, 0);

    const wakes: number[] = [];
    for (let i = 0; i < WAKE_RUNS; i++) wakes.push(await lifecycle(clients[i % n]!, clients[(i + 1) % n]!, WAKE_WORK_MS));
    return {
      target: target.label,
      instances: n,
      lifecyclesPerSecond: done / seconds,
      instanceCpuUs: instanceCpu / done,
      clientCpuUs: (after.self - before.self) / done,
      redisCpuUs: redisDeltas.reduce((a, b) => a + b, 0) / done,
      busiestMasterCpuUs: Math.max(...redisDeltas) / done,
      commands: commands / done,
      scripts: scriptCalls(stats) / done,
      wakeP50: percentile(wakes, 50),
      wakeP99: percentile(wakes, 99),
    };
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    await Promise.all(instances.map((i) => i.stop()));
    for (const node of nodes) node.disconnect();
  }
}

/**
 * Round trips per lifecycle (created and read on one instance), from MONITOR on every master.
 * `workMs` 0: the task has ended when `tasks/result` comes; more: `tasks/result` waits for it.
 */
export async function roundTrips(target: RedisTarget, prefix: string, extraEnv: Record<string, string> = {}, workMs = 0): Promise<number> {
  const RUNS = 20;
  const instance = await startInstance({ ...target.env, ...extraEnv, MTA_PREFIX: prefix });
  const client = await connect(instance.url);
  const nodes = masters(target);
  const lines: string[] = [];
  const monitors: Redis[] = [];
  try {
    for (let i = 0; i < 5; i++) await lifecycle(client, client, 0); // scripts loaded, connections warm
    for (const node of nodes) {
      const monitor = await node.monitor();
      monitor.on('monitor', (time: string, args: string[], source: string, database: string) =>
        lines.push(`${time} [${database} ${source}] "${args[0] ?? ''}"`),
      );
      monitors.push(monitor);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < RUNS; i++) await lifecycle(client, client, workMs);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return countRoundTrips(lines) / RUNS;
  } finally {
    for (const monitor of monitors) monitor.disconnect();
    for (const node of nodes) node.disconnect();
    await client.close().catch(() => {});
    await instance.stop();
  }
}
