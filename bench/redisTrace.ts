/**
 * Prints the Redis commands of one task lifecycle (task `tools/call` + `tasks/result`, instant
 * work) as MONITOR sees them, on a redis-server of its own, and the round trips they make
 * (bench/redisStats.ts countRoundTrips): `node --import tsx bench/redisTrace.ts [--limits] [--wait] [--cluster]`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { TaskSupport } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { startRedisServer } from '../test/support/redisServer.js';
import { startRedisCluster } from '../test/support/redisCluster.js';
import { countRoundTrips } from './redisStats.js';

// --cluster: on a three-master Redis Cluster this script starts, MONITOR on every master.
const onCluster = process.argv.includes('--cluster');
const cluster = onCluster ? await startRedisCluster() : undefined;
const redis = onCluster ? undefined : await startRedisServer();
const monitored = cluster ? cluster.nodes.map((n) => `redis://${n.address}`) : [redis!.url];
try {
  const backend = await createRedisTaskBackend({
    ...(cluster ? { clusterNodes: cluster.seeds } : { url: redis!.url }),
    prefix: 't:',
    ...(process.argv.includes('--limits') ? { liveTaskLimits: { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000 } } : {}),
  });
  const tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    logger: { warn: () => {}, error: () => {} },
  });
  const server = new McpServer({ name: 'trace', version: '1' });
  // --wait: the work takes 50 ms, so tasks/result waits for it.
  const workMs = process.argv.includes('--wait') ? 50 : 0;
  tasks.registerTool(server, 'instant', { taskSupport: 'required' }, async () => {
    if (workMs > 0) await new Promise((r) => setTimeout(r, workMs));
    return { content: [{ type: 'text', text: 'ok' }] };
  });
  tasks.enable(server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'trace', version: '1' });
  await client.connect(a);
  const lifecycle = async (): Promise<void> => {
    const created = await client.request(
      { method: 'tools/call', params: { name: 'instant', arguments: {}, task: {} } },
      CreateTaskResultSchema,
    );
    await client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
  };
  for (let i = 0; i < 10; i++) await lifecycle();
  await new Promise((r) => setTimeout(r, 300));
  const lines: string[] = [];
  const monitors = monitored.map((url) => new Redis(url));
  const feeds = await Promise.all(monitors.map((monitor) => monitor.monitor()));
  for (const feed of feeds) {
    feed.on('monitor', (time: string, args: string[], source: string) =>
      lines.push(`${time} [0 ${source}] ${args.map((x) => JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x)).join(' ')}`),
    );
  }
  const runs = 20;
  const t0 = lines.length;
  for (let i = 0; i < runs; i++) {
    if (i === runs - 1) lines.push('--- last lifecycle');
    await lifecycle();
  }
  await new Promise((r) => setTimeout(r, 300));
  const last = lines.slice(lines.indexOf('--- last lifecycle') + 1);
  for (const line of last) console.log(line.replace(/^\S+ /, ''));
  console.log(`round trips per lifecycle: ${(countRoundTrips(lines.slice(t0)) / runs).toFixed(2)}`);
  for (const feed of feeds) feed.disconnect();
  for (const monitor of monitors) monitor.disconnect();
  await client.close();
  await tasks.close();
  await backend.close();
} finally {
  await redis?.dispose();
  await cluster?.dispose();
}
