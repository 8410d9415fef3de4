/**
 * `npm run bench:redis`: what Redis costs. In one run, against a redis-server this script starts on
 * 127.0.0.1 (and stops): lifecycles/s through the Redis store vs the in-memory store (same process,
 * same SDK in-memory transport, instant work), and cross-instance wake latency — a task created on
 * instance A, `tasks/result` served by instance B (two TaskSupports on one Redis), work of 50 ms.
 * Then the scale-out figures (bench/scaleOut.ts): 1, 2 and 4 instance processes on that Redis and
 * on a three-master cluster it starts too, with Redis's own command and CPU counts.
 */
import { cpus, loadavg } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { TaskSupport } from '../src/index.js';
import type { TaskSupportOptions } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { startRedisServer } from '../test/support/redisServer.js';
import { startRedisCluster } from '../test/support/redisCluster.js';
import type { RedisServer } from '../test/support/redisServer.js';
import { measureScale, roundTrips } from './scaleOut.js';
import type { RedisTarget, ScaleRow } from './scaleOut.js';
import { redisRoundTrips } from './redisRoundTrips.js';
import { percentile, pool } from './stats.js';

const silent = { warn: () => {}, error: () => {} };
const limits = { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000, taskCreationRate: Infinity, taskOperationRate: Infinity };

async function connect(options: TaskSupportOptions): Promise<{ tasks: TaskSupport; client: Client; workReturned: Map<string, number> }> {
  const tasks = new TaskSupport({ logger: silent, limits, ...options });
  const server = new McpServer({ name: 'bench', version: '1' });
  const workReturned = new Map<string, number>();
  tasks.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
  tasks.registerTool(server, 'fifty', { taskSupport: 'required', inputSchema: { id: z.string() } }, async ({ id }) => {
    await new Promise((r) => setTimeout(r, 50));
    workReturned.set(id, performance.now());
    return { content: [{ type: 'text', text: 'ok' }] };
  });
  tasks.enable(server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  // Both instances see the same principal, as a bearer token would give through a load balancer.
  const send = a.send.bind(a);
  a.send = (message, opts) => send(message, { ...opts, authInfo: { token: 't', clientId: 'bench', scopes: [] } });
  await server.connect(b);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(a);
  return { tasks, client, workReturned };
}

async function lifecycle(client: Client, name = 'instant', args: Record<string, unknown> = {}): Promise<string> {
  const created = await client.request({ method: 'tools/call', params: { name, arguments: args, task: {} } }, CreateTaskResultSchema);
  await client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
  return created.task.taskId;
}

/** Lifecycles/s and this process's CPU µs per lifecycle (process.cpuUsage: server and client, not redis-server). */
async function throughput(client: Client, concurrency: number, ms: number): Promise<{ perSecond: number; cpuUs: number }> {
  await pool(200, concurrency, () => lifecycle(client));
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await lifecycle(client);
        done++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / ((performance.now() - start) / 1000), cpuUs: (cpu.user + cpu.system) / done };
}

/**
 * Alternating windows (in-memory, then each Redis variant, in-memory again, …), medians: load
 * changes hit them all alike. The variants take turns within each round: run one after another,
 * rows measured a minute apart differed by a quarter either way on a quiet machine.
 */
async function compare(
  memory: Client,
  variants: readonly (readonly [label: string, client: Client])[],
  concurrency: number,
): Promise<string[]> {
  const mem: { perSecond: number; cpuUs: number }[] = [];
  const red = variants.map(() => [] as { perSecond: number; cpuUs: number }[]);
  for (let round = 0; round < 3; round++) {
    mem.push(await throughput(memory, concurrency, 2000));
    for (const [i, [, client]] of variants.entries()) red[i]!.push(await throughput(client, concurrency, 2000));
  }
  const median = (xs: number[]) => percentile(xs, 50);
  const m = { perSecond: median(mem.map((x) => x.perSecond)), cpuUs: median(mem.map((x) => x.cpuUs)) };
  return variants.map(([label], i) => {
    const r = { perSecond: median(red[i]!.map((x) => x.perSecond)), cpuUs: median(red[i]!.map((x) => x.cpuUs)) };
    return `| ${label} | ${m.perSecond.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${(r.perSecond / m.perSecond).toFixed(2)} | ${m.cpuUs.toFixed(0)} | ${r.cpuUs.toFixed(0)} | ${(m.cpuUs / r.cpuUs).toFixed(2)} |`;
  });
}

const redis = await startRedisServer();
/**
 * `-- --appendfsync everysec` (Redis's default): the server starts with `always` (a test restart
 * loses nothing), which makes each round trip wait for an fsync; on a disk other jobs share, that
 * wait, not CPU, then bounds the lifecycles/s at 16 in flight.
 */
const fsyncAt = process.argv.indexOf('--appendfsync');
const appendfsync = fsyncAt > 0 ? process.argv[fsyncAt + 1] : undefined;
if (appendfsync) {
  const admin = new Redis(redis.url);
  await admin.config('SET', 'appendfsync', appendfsync);
  admin.disconnect();
}
try {
  const memory = await connect({});
  const backendA = await createRedisTaskBackend({ url: redis.url, prefix: 'bench:' });
  const onA = await connect({ ...backendA });
  // The same store with joined writes (RedisTaskBackendOptions.batchWrites, opt-in), measured in the
  // same run. On a prefix of its own, as instance B joins only after the throughput rows: a settle's
  // PUBLISH reaches every subscriber of its prefix, and subscribers of other instances in this
  // process would charge their copies to the instance measured (in production each instance gets
  // its own copy, in its own process).
  const backendJoined = await createRedisTaskBackend({ url: redis.url, prefix: 'bench-joined:', batchWrites: true });
  const onJoined = await connect({ ...backendJoined });

  // On a Redis of its own, so the other instances' traffic is not counted.
  const counted = await startRedisServer();
  let trips: Awaited<ReturnType<typeof redisRoundTrips>>;
  try {
    const backend = await createRedisTaskBackend({ url: counted.url, prefix: 'trips:' });
    const alone = await connect({ ...backend });
    trips = await redisRoundTrips(counted.url, () => lifecycle(alone.client));
    await alone.client.close();
    await alone.tasks.close();
    await backend.close();
  } finally {
    await counted.dispose();
  }

  const rows: string[] = [];
  for (const concurrency of [1, 16]) {
    const variants = [
      [String(concurrency), onA.client],
      [`${concurrency}, batchWrites: true`, onJoined.client],
    ] as const;
    rows.push(...(await compare(memory.client, variants, concurrency)));
  }

  // Instance B, for the cross-instance wake: A's tasks, served by B.
  const backendB = await createRedisTaskBackend({ url: redis.url, prefix: 'bench:' });
  const onB = await connect({ ...backendB });
  const latencies: number[] = [];
  const local: number[] = [];
  for (let i = 0; i < 200; i++) {
    for (const [creator, waiter, into] of [
      [onA, onB, latencies],
      [onA, onA, local],
    ] as const) {
      const id = `${into === local ? 'l' : 'x'}${i}`;
      const created = await creator.client.request(
        { method: 'tools/call', params: { name: 'fifty', arguments: { id }, task: {} } },
        CreateTaskResultSchema,
      );
      await waiter.client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
      into.push(performance.now() - creator.workReturned.get(id)!);
    }
  }

  const report = [
    `Node ${process.version}; redis-server on 127.0.0.1 (appendfsync ${appendfsync ?? 'always'}); SDK InMemoryTransport; instant work; load average ${loadavg()[0]!.toFixed(1)} at the end.`,
    '',
    'Medians of 3 alternating 2 s windows each; CPU is this process (server and client), redis-server not included.',
    '',
    '| concurrency | in-memory lifecycles/s | Redis lifecycles/s | Redis ÷ in-memory | in-memory CPU µs/lc | Redis CPU µs/lc | in-memory ÷ Redis CPU |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '`tasks/result` wake after the work returned (ms), 200 runs each, Redis store:',
    '',
    '| served by | p50 | p99 |',
    '|---|---|---|',
    `| the instance running the task | ${percentile(local, 50).toFixed(2)} | ${percentile(local, 99).toFixed(2)} |`,
    `| another instance (pub/sub) | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} |`,
    '',
    `Redis commands executed per lifecycle (INFO commandstats; a script run counts as \`evalsha\` plus each command inside it, so this bounds the round trips from above), one instance, sequential: **${trips.perLifecycle.toFixed(1)}**`,
    '',
    '| command | per lifecycle |',
    '|---|---|',
    ...trips.byCommand.map(([name, n]) => `| ${name} | ${n.toFixed(2)} |`),
  ].join('\n');
  console.log(report);
  // `npm run bench:redis -- --quick`: this part only, without the scale-out processes and the cluster.
  if (!process.argv.includes('--quick')) await scaleOutReport(redis);

  for (const s of [memory, onA, onB, onJoined]) {
    await s.client.close();
    await s.tasks.close();
  }
  await backendA.close();
  await backendB.close();
  await backendJoined.close();
} finally {
  await redis.dispose();
}

/** The scale-out tables (printed as Markdown) and the capacity model's inputs. */
async function scaleOutReport(single: RedisServer): Promise<void> {
  const cluster = await startRedisCluster();
  try {
    const targets: RedisTarget[] = [
      { label: 'one Redis', env: { REDIS_URL: single.url }, ports: [single.port] },
      { label: '3-master cluster', env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') }, ports: cluster.nodes.map((n) => n.port) },
    ];
    const rows: ScaleRow[] = [];
    for (const target of targets) {
      for (const n of [1, 2, 4]) rows.push(await measureScale(target, n, `scale${rows.length}:`));
    }
    const trips = {
      single: await roundTrips(targets[0]!, 'trips1:'),
      limits: await roundTrips(targets[0]!, 'trips2:', { MTA_MAX_LIVE_TASKS: '1000000', MTA_MAX_LIVE_TASKS_PER_CALLER: '1000000' }),
      cluster: await roundTrips(targets[1]!, 'trips3:'),
      waiting: await roundTrips(targets[0]!, 'trips4:', {}, 50),
    };
    const f = (x: number, digits = 0): string =>
      x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const table = [
      '',
      `Load average at the end of the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (shared with other work).`,
      `Scale-out: instance processes (the demo server + a timing tool) on Streamable HTTP, ${8} lifecycles in flight per instance,`,
      'created on instance i and read on i+1; CPU per lifecycle from /proc (instances), process.cpuUsage (this client) and',
      'INFO cpu (Redis, all masters), less the idle rate measured just before; commands and scripts from INFO commandstats (script-internal and MULTI-queued commands',
      `included); wake = work returned → tasks/result received, ${20} ms work, 100 sequential runs.`,
      '',
      '| backend | instances | lifecycles/s | instance CPU µs/lc | client CPU µs/lc | Redis CPU µs/lc | busiest master µs/lc | commands/lc | scripts/lc | wake p50 ms | wake p99 ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.target} | ${r.instances} | ${f(r.lifecyclesPerSecond)} | ${f(r.instanceCpuUs)} | ${f(r.clientCpuUs)} | ${f(r.redisCpuUs)} | ${f(r.busiestMasterCpuUs)} | ${f(r.commands, 1)} | ${f(r.scripts, 1)} | ${f(r.wakeP50, 2)} | ${f(r.wakeP99, 2)} |`,
      ),
      '',
      'Round trips per lifecycle (MONITOR, one instance; a script or a MULTI…EXEC is one; instant work unless said):',
      '',
      '| one Redis | one Redis, shared live-task limits | 3-master cluster | one Redis, 50 ms work (tasks/result waits) |',
      '|---|---|---|---|',
      `| ${f(trips.single, 1)} | ${f(trips.limits, 1)} | ${f(trips.cluster, 1)} | ${f(trips.waiting, 1)} |`,
      '',
      'Model inputs (see docs/redis.md): instances one Redis can serve before it is the bottleneck ≈ instance CPU ÷ Redis CPU',
      "per lifecycle; for a cluster, instance CPU ÷ the busiest master's CPU per lifecycle.",
      ...rows.map(
        (r) =>
          `- ${r.target}, ${r.instances} instance(s): ${f(r.instanceCpuUs)} ÷ ${f(r.target === 'one Redis' ? r.redisCpuUs : r.busiestMasterCpuUs)} ≈ ${f(r.instanceCpuUs / (r.target === 'one Redis' ? r.redisCpuUs : r.busiestMasterCpuUs), 1)} instances`,
      ),
    ].join('\n');
    console.log(table);
  } finally {
    await cluster.dispose();
  }
}
