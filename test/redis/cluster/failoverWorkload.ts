import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { answerWith } from '../../support/askingTools.js';
import { connectInMemory, createTask, sleep, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/** What went wrong in a workload run, one line each. */
export interface Anomalies {
  /** A request that had not answered this long after it was sent (ms past the store timeout). */
  hangs: string[];
  /** A task whose end was wrong or missing, an answer or question seen twice, a run twice. */
  wrong: string[];
  /** Errors the server logged. */
  logged: string[];
  /** Requests that failed (allowed while a node is away): message → count. */
  failures: Map<string, number>;
  /** Lifecycles that ended as they should. */
  done: number;
}

export interface Instances {
  a: TaskSupport;
  b: TaskSupport;
  /** A's tools, for more sessions on A. */
  toolsOfA: Parameters<typeof connectInMemory>[1];
  /** A's standing session (creates), B's (results, answers, cancels). */
  onA: Session;
  onB: Session;
  backends: RedisTaskBackend[];
  anomalies: Anomalies;
  /** How many times each key's work started, and questions each key's answerer saw. */
  runs: Map<string, number>;
  asked: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Two instances A and B on one Redis Cluster, each with its own backend; tasks are bound to one
 * principal, so B serves what A runs. A's `ask` work asks once and returns the answer; `forever`
 * ends by abort only; `quick` returns at once.
 */
export async function twoInstances(seeds: string[], storeTimeout: number, lease: { leaseMs?: number } = {}): Promise<Instances> {
  const prefix = `fo${randomBytes(4).toString('hex')}:`;
  const anomalies: Anomalies = { hangs: [], wrong: [], logged: [], failures: new Map(), done: 0 };
  const log = (...parts: unknown[]): void =>
    void anomalies.logged.push(
      parts
        .map((p) => (p instanceof Error ? `${p.message}${p.cause instanceof Error ? ` (${p.cause.message})` : ''}` : String(p)))
        .join(' '),
    );
  const backends = await Promise.all(
    ['a', 'b'].map((id) => createRedisTaskBackend({ clusterNodes: seeds, prefix, instanceId: id, sweepEveryMs: 200, ...lease })),
  );
  const runs = new Map<string, number>();
  const asked = new Map<string, number>();
  const make = (backend: RedisTaskBackend): TaskSupport =>
    new TaskSupport({
      ...backend,
      storeTimeout,
      pollInterval: 100,
      identify: () => 'alice',
      // One caller makes every lifecycle here, as fast as the machine allows: no rate refusals.
      limits: { taskCreationRate: { perSecond: 100_000, burst: 100_000 }, taskOperationRate: { perSecond: 100_000, burst: 100_000 } },
      logger: { warn: log, error: log },
    });
  const a = make(backends[0]!);
  const b = make(backends[1]!);
  const tools = (tasks: TaskSupport) => (server: Parameters<Parameters<typeof connectInMemory>[1]>[0]) => {
    tasks.registerTool(server, 'quick', { taskSupport: 'required', inputSchema: { key: z.string() } }, ({ key }) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      return { content: [{ type: 'text', text: key }] };
    });
    tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      const answer = await task.elicit({
        message: key,
        requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
      });
      return { content: [{ type: 'text', text: String(answer.content?.['value'] ?? answer.action) }] };
    });
    tasks.registerTool(server, 'forever', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      await new Promise((_, reject) => task.signal.addEventListener('abort', () => reject(task.signal.reason)));
      return { content: [] };
    });
  };
  const onA = await connectInMemory(a, tools(a));
  const onB = await connectInMemory(b, tools(b));
  answerWith(onB.client, {
    elicit: (request) => {
      const key = request.params.message;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      return { action: 'accept', content: { value: `answer ${key}` } };
    },
  });
  return {
    a,
    b,
    toolsOfA: tools(a),
    onA,
    onB,
    backends,
    anomalies,
    runs,
    asked,
    close: async () => {
      await onA.close().catch(() => {});
      await onB.close().catch(() => {});
      await a.close();
      await b.close();
      for (const backend of backends) await backend.close();
    },
  };
}

/**
 * Runs lifecycles on `instances` until `stop()`: quick tasks created on A and read on B, tasks
 * that ask (created on a short-lived session on A, so that their question waits in the shared
 * queue for B's tasks/result and the answer goes back to A), and tasks cancelled on B. Failed
 * requests are counted; each lifecycle is then finished once the cluster is whole again.
 */
export function runWorkload(instances: Instances, storeTimeout: number, parallel = 3): { stop(): Promise<void> } {
  const { anomalies } = instances;
  let running = true;
  const pending: Promise<void>[] = [];
  let n = 0;
  const watch = async <T>(what: string, call: Promise<T>): Promise<T> => {
    const started = Date.now();
    const timer = setInterval(() => {
      anomalies.hangs.push(`${what} not answered after ${Date.now() - started} ms`);
      clearInterval(timer);
    }, storeTimeout + 3000);
    try {
      return await call;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      anomalies.failures.set(message, (anomalies.failures.get(message) ?? 0) + 1);
      throw error;
    } finally {
      clearInterval(timer);
    }
  };
  /** tasks/result on B until it answers (a failed one is asked again, as a client would). */
  const resultOnB = async (taskId: string, what: string): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await watch(`tasks/result ${what}`, taskResult(instances.onB.client, taskId));
        const block = result.content[0];
        return block?.type === 'text' ? block.text : JSON.stringify(result);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!/-32603/.test(message) || /cancel/i.test(message) || attempt > 60) return `error: ${message}`;
        await sleep(250);
      }
    }
  };
  const createOn = async (client: Client, tool: string, key: string): Promise<string | undefined> => {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        return (await watch(`tools/call ${tool} ${key}`, createTask(client, tool, { key }, 120_000))).taskId;
      } catch (error) {
        if (!/-32603/.test(String(error))) return undefined;
        await sleep(250);
      }
    }
    return undefined;
  };
  const one = async (): Promise<void> => {
    const i = n++;
    const kind = i % 3 === 0 ? 'quick' : i % 3 === 1 ? 'ask' : 'forever';
    const key = `${kind}-${i}`;
    if (kind === 'quick') {
      const taskId = await createOn(instances.onA.client, 'quick', key);
      if (!taskId) return;
      const text = await resultOnB(taskId, key);
      if (text !== key) anomalies.wrong.push(`${key}: result ${text}`);
      else anomalies.done++;
    } else if (kind === 'ask') {
      const creator = await connectInMemory(instances.a, instances.toolsOfA);
      let taskId: string | undefined;
      try {
        taskId = await createOn(creator.client, 'ask', key);
      } finally {
        await creator.close();
      }
      if (!taskId) return;
      const text = await resultOnB(taskId, key);
      if (text !== `answer ${key}`) anomalies.wrong.push(`${key}: result ${text}`);
      else anomalies.done++;
    } else {
      const taskId = await createOn(instances.onA.client, 'forever', key);
      if (!taskId) return;
      let status: string | undefined;
      for (let attempt = 0; attempt < 60 && status === undefined; attempt++) {
        status = await watch(`tasks/cancel ${key}`, instances.onB.client.experimental.tasks.cancelTask(taskId)).then(
          (t) => t.status,
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            return /-32603/.test(message) ? undefined : `error: ${message}`;
          },
        );
        if (status === undefined) await sleep(250);
      }
      if (status !== 'cancelled') anomalies.wrong.push(`${key}: cancel ${status}`);
      const text = await resultOnB(taskId, key);
      if (!text.includes('cancelled')) anomalies.wrong.push(`${key}: result after cancel ${text}`);
      else anomalies.done++;
    }
  };
  for (let w = 0; w < parallel; w++) {
    pending.push(
      (async () => {
        while (running) await one().catch((error: unknown) => void anomalies.wrong.push(`lifecycle threw ${String(error)}`));
      })(),
    );
  }
  return {
    stop: async () => {
      running = false;
      await Promise.all(pending);
    },
  };
}

/** After a run: each key's work ran once, each question was asked once. */
export function checkOnce(instances: Instances): void {
  for (const [key, count] of instances.runs) if (count !== 1) instances.anomalies.wrong.push(`${key}: work ran ${count} times`);
  for (const [key, count] of instances.asked) if (count !== 1) instances.anomalies.wrong.push(`${key}: asked ${count} times`);
}
