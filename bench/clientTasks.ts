/**
 * What a task-augmented elicitation costs against a plain one (issue 18 part 2), in one run: CPU
 * (process.cpuUsage: server and client share the process) and wall time per server task whose work
 * asks once, `task.elicit` vs `task.elicitAsTask` against the SDK v1 client's own task receiver
 * (answers at once; followed by its status notification, then `tasks/result`). Rounds alternate the
 * two kinds so background load falls on both alike. In memory, one in-memory transport.
 *
 * `node --import tsx bench/clientTasks.ts [rounds]`
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TaskSupport } from '../src/index.js';

const ROUNDS = Number(process.argv[2] ?? 200);
const FORM = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } } };

const tasks = new TaskSupport({ pollInterval: 1000, logger: { warn: () => {}, error: () => {} } });
const server = new McpServer({ name: 'bench', version: '1' });
tasks.registerTool(server, 'plain', { taskSupport: 'required', inputSchema: { n: z.number() } }, async (_args, task) => {
  const answer = await task.elicit({ message: 'ok?', requestedSchema: FORM });
  return { content: [{ type: 'text', text: answer.action }] };
});
tasks.registerTool(server, 'asTask', { taskSupport: 'required', inputSchema: { n: z.number() } }, async (_args, task) => {
  const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema: FORM });
  return { content: [{ type: 'text', text: answer.action }] };
});

const client = new Client(
  { name: 'bench-client', version: '1' },
  {
    capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } },
    taskStore: new InMemoryTaskStore(),
  },
);
client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
  const params = request.params as { task?: { ttl?: number } };
  if (!params.task) return { action: 'accept', content: { ok: true } };
  const created = await extra.taskStore!.createTask({ ttl: 60_000, pollInterval: 1000 });
  setImmediate(() => void extra.taskStore!.storeTaskResult(created.taskId, 'completed', { action: 'accept', content: { ok: true } }));
  return { task: created };
});
const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
await server.connect(serverTransport);
await client.connect(clientTransport);

async function once(name: string, n: number): Promise<void> {
  const created = await client.request({ method: 'tools/call', params: { name, arguments: { n }, task: {} } }, CreateTaskResultSchema);
  const result = await client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
  if ((result.content[0] as { text?: string }).text !== 'accept') throw new Error(`unexpected result ${JSON.stringify(result)}`);
}

const totals = { plain: { cpu: 0, wall: 0 }, asTask: { cpu: 0, wall: 0 } };
for (let i = 0; i < 20; i++) await Promise.all([once('plain', i), once('asTask', i)]); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? (['plain', 'asTask'] as const) : (['asTask', 'plain'] as const)) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await once(name, round);
    totals[name].wall += performance.now() - wall;
    const used = process.cpuUsage(cpu);
    totals[name].cpu += (used.user + used.system) / 1000;
  }
}
const per = (x: number) => (x / ROUNDS).toFixed(3);
console.log(`rounds per kind: ${ROUNDS}`);
for (const name of ['plain', 'asTask'] as const) {
  console.log(`${name.padEnd(7)} CPU ${per(totals[name].cpu)} ms/task, wall ${per(totals[name].wall)} ms/task`);
}
console.log(
  `asTask / plain: CPU ${(totals.asTask.cpu / totals.plain.cpu).toFixed(2)}×, wall ${(totals.asTask.wall / totals.plain.wall).toFixed(2)}×`,
);
await client.close();
await server.close();
await tasks.close();
