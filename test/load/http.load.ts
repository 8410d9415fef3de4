import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { serveHttp } from '../../src/demo/httpServer.js';
import { TaskSupport } from '../../src/index.js';
import { createTask, sleep, taskResult } from '../support/harness.js';
import { census, EMPTY } from './census.js';
import { seeded, until } from './loadKit.js';

const TASKS = 1_000;
const SESSIONS = 20;

/** What a task is scripted to do, and therefore how it must end. */
type Script = 'complete' | 'fail' | 'cancel' | 'accept' | 'decline' | 'cancelWhileAsking';
const WEIGHTS: [Script, number][] = [
  ['complete', 0.35],
  ['fail', 0.15],
  ['cancel', 0.2],
  ['accept', 0.15],
  ['decline', 0.1],
  ['cancelWhileAsking', 0.05],
];

interface Plan {
  id: number;
  script: Script;
  /** Work time (complete, fail) or time before the client cancels (cancel), ms. */
  delayMs: number;
}

function plans(seed: number): Plan[] {
  const random = seeded(seed);
  return Array.from({ length: TASKS }, (_, id) => {
    let pick = random();
    const script = WEIGHTS.find(([, weight]) => (pick -= weight) < 0)?.[0] ?? 'complete';
    return { id, script, delayMs: Math.floor(random() * (script === 'cancel' ? 100 : 30)) };
  });
}

/** The status and the tasks/result each script implies. */
function expectedEnd(plan: Plan): { status: string; text?: string; isError?: true; error?: RegExp } {
  switch (plan.script) {
    case 'complete':
      return { status: 'completed', text: `done ${plan.id}` };
    case 'fail':
      return { status: 'failed', text: `fail ${plan.id}`, isError: true };
    case 'accept':
      return { status: 'completed', text: `accept ${plan.id} n=${plan.id * 7}` };
    case 'decline':
      return { status: 'completed', text: `decline ${plan.id} n=undefined` };
    case 'cancel':
    case 'cancelWhileAsking':
      return { status: 'cancelled', error: /was cancelled/ };
  }
}

function createSessionServer(tasks: TaskSupport): McpServer {
  const server = new McpServer({ name: 'load', version: '1' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
  tasks.registerTool(
    server,
    'scripted',
    { taskSupport: 'required', inputSchema: { id: z.number().int(), script: z.string(), delayMs: z.number().int() } },
    async ({ id, script, delayMs }, task): Promise<CallToolResult> => {
      if (script === 'complete' || script === 'fail') {
        await sleep(delayMs, task.signal);
        if (script === 'fail') throw new Error(`fail ${id}`);
        return { content: [{ type: 'text', text: `done ${id}` }] };
      }
      if (script === 'cancel') {
        return new Promise((_, reject) => task.signal.addEventListener('abort', () => reject(task.signal.reason), { once: true }));
      }
      const answer = await task.elicit({
        message: `load ${id} ${script}`,
        requestedSchema: { type: 'object', properties: { n: { type: 'number' } } },
      });
      return { content: [{ type: 'text', text: `${answer.action} ${id} n=${String(answer.content?.['n'])}` }] };
    },
  );
  tasks.enable(server);
  return server;
}

describe('load over Streamable HTTP', () => {
  it(`runs ${TASKS} concurrent scripted tasks across ${SESSIONS} sessions: every task ends as scripted, no result lost`, async () => {
    const warnings: string[] = [];
    const tasks = TaskSupport.inMemory({ logger: { warn: (message: string) => void warnings.push(message), error: console.error } });
    const http = await serveHttp(tasks, createSessionServer, { port: 0 });
    const clients: Client[] = [];
    try {
      for (let s = 0; s < SESSIONS; s++) {
        const client = new Client({ name: `load-${s}`, version: '1' }, { capabilities: { elicitation: { form: {} } } });
        client.setRequestHandler(ElicitRequestSchema, async (request): Promise<ElicitResult> => {
          const [, id, script] = /^load (\d+) (\w+)$/.exec(request.params.message)!;
          if (script === 'accept') return { action: 'accept', content: { n: Number(id) * 7 } };
          if (script === 'decline') return { action: 'decline' };
          // cancelWhileAsking: cancel the task, then answer anyway (that late answer must be dropped).
          const taskId = (request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string }).taskId;
          await client.experimental.tasks.cancelTask(taskId);
          return { action: 'accept', content: { n: -1 } };
        });
        await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
        clients.push(client);
      }

      // Baseline in this run, same server, sessions and transport: plain (non-task) tools/call.
      const pingStarted = performance.now();
      await Promise.all(
        Array.from({ length: TASKS }, (_, i) => clients[i % SESSIONS]!.callTool({ name: 'echo', arguments: { text: `${i}` } })),
      );
      const plainRate = TASKS / ((performance.now() - pingStarted) / 1000);

      const all = plans(0x5eed);
      const started = performance.now();
      const outcomes = await Promise.all(
        all.map(async (plan) => {
          const client = clients[plan.id % SESSIONS]!;
          const task = await createTask(client, 'scripted', { ...plan });
          const cancelling =
            plan.script === 'cancel' ? sleep(plan.delayMs).then(() => client.experimental.tasks.cancelTask(task.taskId)) : undefined;
          const result = await taskResult(client, task.taskId).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          await cancelling;
          const status = (await client.experimental.tasks.getTask(task.taskId)).status;
          return { plan, result, status };
        }),
      );
      const elapsedMs = performance.now() - started;

      const wrong = outcomes.filter(({ plan, result, status }) => {
        const expected = expectedEnd(plan);
        if (status !== expected.status) return true;
        if (expected.error) return !('error' in result && result.error instanceof McpError && expected.error.test(result.error.message));
        if (!('value' in result)) return true;
        const text = (result.value.content[0] as { text?: string } | undefined)?.text;
        return text !== expected.text || (result.value.isError === true) !== (expected.isError === true);
      });
      const counts = Object.fromEntries(WEIGHTS.map(([script]) => [script, all.filter((p) => p.script === script).length]));
      const taskRate = TASKS / (elapsedMs / 1000);
      console.log(
        `[load] ${TASKS} tasks over Streamable HTTP, ${SESSIONS} sessions, scripts ${JSON.stringify(counts)}: ` +
          `all ended in ${elapsedMs.toFixed(0)} ms = ${taskRate.toFixed(0)} tasks/s ` +
          `(${(taskRate / plainRate).toFixed(2)}× the ${plainRate.toFixed(0)} plain tools/call per s measured first); ` +
          `wrong or lost ${wrong.length}; late answers dropped with a warning ${warnings.length}`,
      );
      expect(
        wrong.map(({ plan, result, status }) => ({ plan, status, result: 'error' in result ? String(result.error) : result.value })),
      ).toEqual([]);
      expect(outcomes).toHaveLength(TASKS);
      await until(() => census(tasks).engineLive === 0, 'the last task writes', 10_000);
      // Finished tasks keep their record (and its expiry deadline) for their ttl; nothing else stays.
      const { timers: _timers, ...left } = census(tasks);
      expect(left).toEqual({ ...EMPTY, storeRecords: TASKS, expiryDeadlines: TASKS });
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      await http.close();
      await tasks.close();
    }
  });
});
