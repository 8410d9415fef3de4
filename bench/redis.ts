/**
 * `npm run bench:redis`: what Redis costs. In one run, against a redis-server this script starts on
 * 127.0.0.1 (and stops): lifecycles/s through the Redis store vs the in-memory store (same process,
 * same SDK in-memory transport, instant work), and cross-instance wake latency — a task created on
 * instance A, `tasks/result` served by instance B (two TaskSupports on one Redis), work of 50 ms.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TaskSupport } from '../src/index.js';
import type { TaskSupportOptions } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { startRedisServer } from '../test/support/redisServer.js';
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

async function throughput(client: Client, concurrency: number, ms: number): Promise<number> {
  await pool(200, concurrency, () => lifecycle(client));
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await lifecycle(client);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

const redis = await startRedisServer();
try {
  const memory = await connect({});
  const backendA = await createRedisTaskBackend({ url: redis.url, prefix: 'bench:' });
  const backendB = await createRedisTaskBackend({ url: redis.url, prefix: 'bench:' });
  const onA = await connect({ ...backendA });
  const onB = await connect({ ...backendB });

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
    const mem = await throughput(memory.client, concurrency, 2000);
    const red = await throughput(onA.client, concurrency, 2000);
    rows.push(`| ${concurrency} | ${mem.toFixed(0)} | ${red.toFixed(0)} | ${(red / mem).toFixed(2)} |`);
  }

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
    `Node ${process.version}; redis-server on 127.0.0.1; SDK InMemoryTransport; instant work.`,
    '',
    '| concurrency | in-memory lifecycles/s | Redis lifecycles/s | Redis ÷ in-memory |',
    '|---|---|---|---|',
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

  for (const s of [memory, onA, onB]) {
    await s.client.close();
    await s.tasks.close();
  }
  await backendA.close();
  await backendB.close();
} finally {
  await redis.dispose();
}
