/**
 * Prints the Redis commands of one task lifecycle (task `tools/call` + `tasks/result`, instant
 * work) as MONITOR sees them, on a redis-server of its own, and the round trips they make
 * (bench/redisStats.ts countRoundTrips): `node --import tsx bench/redisTrace.ts [--limits] [--wait]`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { TaskSupport } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';
import { startRedisServer } from '../test/support/redisServer.js';
import { countRoundTrips } from './redisStats.js';

const redis = await startRedisServer();
try {
  const backend = await createRedisTaskBackend({
    url: redis.url,
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
  const monitor = new Redis(redis.url);
  const lines: string[] = [];
  const m = await monitor.monitor();
  m.on('monitor', (time: string, args: string[], source: string) =>
    lines.push(`${time} [0 ${source}] ${args.map((x) => JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x)).join(' ')}`),
  );
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
  m.disconnect();
  monitor.disconnect();
  await client.close();
  await tasks.close();
  await backend.close();
} finally {
  await redis.dispose();
}
