/**
 * Input round-trip latency through each delivery path, in one run (issue 18): from the moment an
 * input request reaches the client to the moment the task's work has its answer (the actor is back
 * in `working`). One process, in-memory transport, the client answers at once.
 *
 * - `tasks/result stream`: a 2025-11-25 task whose `tasks/result` is open when it asks;
 * - `standalone stream`: a 2025-11-25 task with no `tasks/result` open (pushed on the session's stream);
 * - `extension tasks/get + tasks/update`: the request read from `tasks/get`, answered with `tasks/update`.
 *
 * `node --import tsx bench/inputLatency.ts [rounds]` (REDIS_URL=redis://… for the Redis backend)
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../src/client/index.js';
import { TaskSupport } from '../src/index.js';
import { createRedisTaskBackend } from '../src/redis/index.js';

const ROUNDS = Number(process.argv[2] ?? 300);
const FORM = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } } };

/** When each task's answer reached its work, by task key (set by the tool). */
const answered = new Map<string, (at: number) => void>();
/** Gate: the tool asks only once the runner let it (so tasks/result can be open first). */
const gates = new Map<string, Promise<void>>();

// With REDIS_URL the store, queue and cluster are Redis's (one instance).
const redis = process.env['REDIS_URL']
  ? await createRedisTaskBackend({ url: process.env['REDIS_URL'], prefix: `latency-${Date.now()}:` })
  : undefined;
const tasks = new TaskSupport({
  ...(redis ? { store: redis.store, queue: redis.queue, cluster: redis.cluster } : {}),
  pollInterval: 10,
  limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity },
  logger: { warn: () => {}, error: () => {} },
});
const server = new McpServer({ name: 'latency', version: '1' });
tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
  await gates.get(key);
  await task.elicit({ message: key, requestedSchema: FORM });
  answered.get(key)?.(performance.now());
  return { content: [{ type: 'text', text: 'ok' }] };
});
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

/** One 2025-11-25 round: the request on the tasks/result stream (`open`) or pushed on the session's stream. */
async function rev2025Round(key: string, open: boolean): Promise<number> {
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
  if (open) {
    result = client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    await until(() => attached(taskId) > 0);
  }
  gate.resolve();
  const at = await done.promise;
  await result;
  return at - arrived.get(key)!;
}

const meta = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } } };
const loose = z.looseObject({});

/** One extension round: `tasks/get` shows the request (it reaches the client), `tasks/update` answers it. */
async function extensionRound(key: string): Promise<number> {
  const done = deferred<number>();
  answered.set(key, done.resolve);
  gates.delete(key);
  const created = await client.request({ method: 'tools/call', params: { name: 'ask', arguments: { key }, _meta: meta } }, loose);
  const taskId = created['taskId'] as string;
  for (;;) {
    const task = await client.request({ method: 'tasks/get', params: { taskId, _meta: meta } }, loose);
    const requests = Object.keys((task['inputRequests'] ?? {}) as Record<string, unknown>);
    if (requests.length > 0) {
      const reached = performance.now();
      await client.request(
        {
          method: 'tasks/update',
          params: { taskId, inputResponses: { [requests[0]!]: { action: 'accept', content: { ok: true } } }, _meta: meta },
        },
        loose,
      );
      return (await done.promise) - reached;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const paths: [string, (key: string) => Promise<number>][] = [
  ['tasks/result stream', (key) => rev2025Round(key, true)],
  ['standalone stream', (key) => rev2025Round(key, false)],
  ['extension tasks/get + tasks/update', extensionRound],
];
const samples = new Map<string, number[]>(paths.map(([name]) => [name, []]));
// Interleaved, so that a slow stretch of the machine hits every path alike; the first 20 rounds warm up.
for (let round = 0; round < ROUNDS + 20; round++) {
  for (const [name, run] of paths) {
    const ms = await run(`${name}-${round}`);
    if (round >= 20) samples.get(name)!.push(ms);
  }
}
console.log(
  `input round trip (request reaches the client → task back in working), ${ROUNDS} rounds each, in-memory transport, ${redis ? 'Redis' : 'in-memory'} backend`,
);
for (const [name, values] of samples) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name.padEnd(36)} p50 ${percentile(sorted, 50).toFixed(3)} ms   p99 ${percentile(sorted, 99).toFixed(3)} ms`);
}
await client.close();
await server.close();
await tasks.close();
await redis?.close();
