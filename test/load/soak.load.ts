import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ElicitRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { TaskSupport } from '../../src/index.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as SessionServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createTask, taskResult } from '../support/harness.js';
import { activeTimers, census, EMPTY } from './census.js';
import { forcedGcHeap, pool, until } from './loadKit.js';

/** Lifecycles in the whole soak, and after how many the baseline heap is taken. */
const TOTAL = Number(process.env['SOAK_LIFECYCLES'] ?? 200_000);
const BASELINE_AT = 10_000;
const SESSIONS = 4;
const CONCURRENCY = 64;
/**
 * Short, so finished records leave the store during the run and the heap can settle; long enough
 * that a lifecycle stalled by a busy machine still finds its task (at 200 ms a CI run under load
 * once got -32602 "Task not found" for a `tasks/result` sent after the ttl had run out).
 */
const TTL_MS = 2_000;

type Kind = 'complete' | 'fail' | 'cancel' | 'elicit';
const KINDS: readonly Kind[] = ['complete', 'fail', 'cancel', 'elicit'];

function registerSoakTools(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(
    server,
    'soak',
    { taskSupport: 'required', inputSchema: { i: z.number().int(), kind: z.enum(KINDS) } },
    async ({ i, kind }, task) => {
      switch (kind) {
        case 'complete':
          return { content: [{ type: 'text', text: `done ${i}` }] };
        case 'fail':
          throw new Error(`failed ${i}`);
        case 'cancel':
          // Ends only by abort: the client cancels it.
          return new Promise<CallToolResult>((_, reject) =>
            task.signal.addEventListener('abort', () => reject(task.signal.reason), { once: true }),
          );
        case 'elicit': {
          const answer = await task.elicit({
            message: `soak ${i}`,
            requestedSchema: { type: 'object', properties: { n: { type: 'number' } } },
          });
          return { content: [{ type: 'text', text: `answered ${i} ${String(answer.content?.['n'])}` }] };
        }
      }
    },
  );
}

interface Session {
  client: Client;
  close(): Promise<void>;
}

/**
 * A fresh client session that answers elicitations and drops notifications. Sessions are replaced
 * every BASELINE_AT lifecycles: the SDK 1.32 Client keeps one `_taskProgressTokens` entry per task
 * it created, for good, and that client-side growth must not be taken for the server's.
 */
async function openSession(tasks: TaskSupport): Promise<Session> {
  const server = new SessionServer({ name: 'soak', version: '1' });
  registerSoakTools(tasks, server);
  server.registerTool('ping', { inputSchema: {} }, () => ({ content: [{ type: 'text', text: 'pong' }] }));
  tasks.enable(server);
  const client = new Client({ name: 'soak', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, (request) => ({
    action: 'accept',
    content: { n: Number(/soak (\d+)/.exec(request.params.message)![1]) },
  }));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Runs lifecycle `i` to its end and says whether it ended exactly as its kind implies. */
async function lifecycle(session: Session, i: number): Promise<boolean> {
  const kind = KINDS[i % KINDS.length]!;
  const task = await createTask(session.client, 'soak', { i, kind });
  if (kind === 'cancel') {
    const cancelled = await session.client.experimental.tasks.cancelTask(task.taskId);
    const error = await taskResult(session.client, task.taskId).then(
      () => undefined,
      (e: unknown) => e,
    );
    return cancelled.status === 'cancelled' && error instanceof McpError && error.code === ErrorCode.InternalError;
  }
  const result = await taskResult(session.client, task.taskId);
  const text = (result.content[0] as { text?: string } | undefined)?.text;
  if (kind === 'complete') return text === `done ${i}` && !result.isError;
  if (kind === 'fail') return text === `failed ${i}` && result.isError === true;
  return text === `answered ${i} ${i}`;
}

describe('soak', () => {
  it(`runs ${TOTAL.toLocaleString('en')} task lifecycles with a flat heap and nothing left behind`, async () => {
    const timersBefore = activeTimers();
    // Lifecycles as fast as they go, each kept TTL_MS: the rate limits and the ttl floor are off.
    const tasks = TaskSupport.inMemory({
      defaultTtl: TTL_MS,
      minTtl: 0,
      pollInterval: 1000,
      limits: { taskCreationRate: Infinity, taskOperationRate: Infinity },
      logger: { warn: () => {}, error: console.error },
    });
    let sessions: Session[] = [];
    const renewSessions = async () => {
      for (const session of sessions) await session.close();
      sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(tasks)));
    };
    /** Waits until every finished record expired, then collects garbage and reads the heap. */
    const settledHeap = async (label: string) => {
      await until(() => census(tasks).storeRecords === 0, 'finished records to expire', 10_000);
      const heap = await forcedGcHeap();
      // SOAK_SNAPSHOTS=<dir> keeps a heap snapshot at both points, to diff when the heap grows.
      const dir = process.env['SOAK_SNAPSHOTS'];
      if (dir) (await import('node:v8')).writeHeapSnapshot(`${dir}/soak-${label}.heapsnapshot`);
      return heap;
    };

    let wrong = 0;
    const run = async (from: number, to: number) => {
      for (let block = from; block < to; block += BASELINE_AT) {
        await renewSessions();
        await pool(Math.min(BASELINE_AT, to - block), CONCURRENCY, async (k) => {
          const i = block + k;
          if (!(await lifecycle(sessions[i % SESSIONS]!, i))) wrong++;
          // The in-memory transport runs a whole lifecycle in microtasks: without this turn of the
          // event loop (which a real transport's I/O gives) no timer, ttl expiry included, would
          // fire until the run ends, and the soak would measure one 200,000-task burst instead.
          await nextTurn();
        });
      }
      await renewSessions();
    };

    // Baseline measured in this run, on the same sessions and transport: a plain (non-task) tools/call.
    await renewSessions();
    const pingStarted = performance.now();
    await pool(5_000, CONCURRENCY, async (k) => {
      await sessions[k % SESSIONS]!.client.callTool({ name: 'ping', arguments: {} });
      await nextTurn();
    });
    const pingRate = 5_000 / ((performance.now() - pingStarted) / 1000);

    const started = performance.now();
    await run(0, BASELINE_AT);
    const firstMs = performance.now() - started;
    const heapAtBaseline = await settledHeap('baseline');
    const restStarted = performance.now();
    await run(BASELINE_AT, TOTAL);
    const restMs = performance.now() - restStarted;
    const heapAtEnd = await settledHeap('end');

    const left = census(tasks);
    const rate = (TOTAL - BASELINE_AT) / (restMs / 1000);
    console.log(
      `[soak] ${TOTAL} lifecycles (${KINDS.join('/')}, concurrency ${CONCURRENCY}, ${SESSIONS} sessions): ` +
        `${(BASELINE_AT / (firstMs / 1000)).toFixed(0)} lifecycles/s for the first ${BASELINE_AT}, ${rate.toFixed(0)}/s after ` +
        `(${(rate / pingRate).toFixed(2)}× the ${pingRate.toFixed(0)} plain tools/call per s measured first); ` +
        `heap after forced GC ${(heapAtBaseline / 2 ** 20).toFixed(1)} MiB at ${BASELINE_AT}, ${(heapAtEnd / 2 ** 20).toFixed(1)} MiB at ${TOTAL} ` +
        `(ratio ${(heapAtEnd / heapAtBaseline).toFixed(3)}); wrong outcomes ${wrong}; left ${JSON.stringify(left)}`,
    );
    expect(wrong).toBe(0);
    expect(heapAtEnd).toBeLessThanOrEqual(heapAtBaseline * 1.1);
    const { timers: _timers, ...counted } = left;
    expect(counted).toEqual(EMPTY);

    for (const session of sessions) await session.close();
    await tasks.close();
    await until(() => activeTimers() <= timersBefore, 'timers to be cleared', 5_000);
  });
});
