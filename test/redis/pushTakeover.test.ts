/**
 * Issue 18 §3: the standalone-stream push "on Redis with several instances" when the instance that
 * ran the task dies. The task is created through A by a session on A; A pushes the task's input
 * request on that session's stream; A is killed before the answer; B takes the restartable task over
 * (lease expiry) and runs the work again, which asks again. What the caller sees, pinned here
 * (docs/protocols.md, "Input requests"):
 * - the request A pushed is void: its session died with A, and B starts the work over;
 * - B does not push the new request (the task's session was on A; B has no stream to the caller),
 *   not even to the same principal's new session on B, which polls tasks/get meanwhile;
 * - a tasks/result through B delivers it from the shared queue, and the answer completes the task on B;
 * - under the extension, tasks/get on B lists it and tasks/update answers it.
 */
import { spawn } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID, TasksExtensionClient } from '../../src/client/index.js';
import { bearerClient, listeningBase } from '../support/demoProcess.js';
import { createTask, eventually, taskResult } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

const LEASE_MS = 1500;

interface AskServer {
  url: string;
  pid: number;
  crash(): Promise<void>;
  stop(): Promise<void>;
}

async function startAskServer(env: Record<string, string>): Promise<AskServer> {
  // PORT 0: it listens on a port the OS picks and prints it (a port found free here could be taken before it listened).
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/restartableAskServer.ts'], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const base = await listeningBase(child, () => output, 'server');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url: `${base}/mcp`, pid: child.pid!, crash: () => kill('SIGKILL'), stop: () => kill('SIGTERM') };
}

let redis: RedisServer;
let a: AskServer;
let b: AskServer;
let c: AskServer;
const clients: Client[] = [];

beforeAll(async () => {
  if (inject('redisUrl') === '') return; // no redis-server here: perTest.ts skips every test
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, MTA_PREFIX: 'takeover:', MTA_LEASE_MS: String(LEASE_MS) };
  [a, b] = await Promise.all([startAskServer(env), startAskServer(env)]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await redis?.dispose();
});

describe('a pushed input request when its instance dies and another takes the task over', () => {
  it('is void; the rerun asks again, B does not push it, and a tasks/result through B delivers it', async () => {
    const onA = await bearerClient(a.url, 'alice-token', { elicitation: { form: {} } });
    clients.push(onA);
    const askedOnA: string[] = [];
    // Received, never answered: A dies first.
    onA.setRequestHandler(ElicitRequestSchema, (request) => {
      askedOnA.push(request.params.message);
      return new Promise(() => {});
    });
    const task = await createTask(onA, 'ask', { item: 'ship' });
    // Pushed once A's session polls the task (over HTTP a push could overtake the CreateTaskResult).
    await eventually(async () => (await onA.experimental.tasks.getTask(task.taskId)).status === 'input_required' && askedOnA.length === 1);
    expect(askedOnA[0]).toContain(`pid ${a.pid}`);
    const crashedAt = Date.now();
    await a.crash();

    // The caller comes back through B, same principal, new session with a standalone stream.
    const onB = await bearerClient(b.url, 'alice-token', { elicitation: { form: {} } });
    clients.push(onB);
    const askedOnB: string[] = [];
    onB.setRequestHandler(ElicitRequestSchema, (request) => {
      askedOnB.push(request.params.message);
      return { action: 'accept', content: { ok: true } };
    });
    // B reruns the work and it asks again (the task is input_required again after the takeover).
    await eventually(async () => {
      const current = await onB.experimental.tasks.getTask(task.taskId);
      return current.status === 'input_required' && Date.parse(current.lastUpdatedAt) > crashedAt;
    }, LEASE_MS + 8000);
    const takenOverAfter = Date.now() - crashedAt;

    // Polling tasks/get (what ext-tasks' requester does) brings nothing: B has no stream to push on.
    for (let i = 0; i < 10; i++) {
      expect((await onB.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(askedOnB).toEqual([]);

    // tasks/result through B takes the re-asked request from the shared queue.
    expect((await taskResult(onB, task.taskId)).content).toEqual([{ type: 'text', text: `ship: accept on pid ${b.pid}` }]);
    expect(askedOnB).toHaveLength(1);
    expect(askedOnB[0]).toContain(`pid ${b.pid}`);
    expect(askedOnA).toHaveLength(1);
    console.log(`crash → input_required again on B after ${takenOverAfter} ms (lease ${LEASE_MS} ms)`);
  }, 30_000);

  it('under the extension: the rerun on the survivor asks with the declared capabilities, and tasks/get + tasks/update answer it', async () => {
    // A third instance, started now (a is gone), dies this time; b, the only survivor, takes the task over.
    c = await startAskServer({ REDIS_URL: redis.url, MTA_PREFIX: 'takeover:', MTA_LEASE_MS: String(LEASE_MS) });
    const onC = await bearerClient(c.url, 'alice-token');
    clients.push(onC);
    const capabilities = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };
    const created = await onC.request(
      {
        method: 'tools/call',
        params: { name: 'ask', arguments: { item: 'deploy' }, _meta: { [CLIENT_CAPABILITIES_META_KEY]: capabilities } },
      },
      z.looseObject({ resultType: z.literal('task'), taskId: z.string() }),
    );
    const onB = await bearerClient(b.url, 'alice-token');
    clients.push(onB);
    const asked: string[] = [];
    const helper = new TasksExtensionClient(onB, {
      onElicitation: (params) => {
        asked.push(params.message);
        return { action: 'accept', content: { ok: true } };
      },
    });
    await eventually(async () => (await helper.getTask(created.taskId)).status === 'input_required');
    await c.crash();
    const result = await helper.waitForTask({ taskId: created.taskId, status: 'working', pollIntervalMs: 100 });
    expect(result.content).toEqual([{ type: 'text', text: `deploy: accept on pid ${b.pid}` }]);
    // Only the survivor's ask was answered: the dead run's request went with it (the helper saw it
    // only if it polled before the takeover, and its answer then had no run to reach).
    expect(asked.at(-1)).toContain(`pid ${b.pid}`);
  }, 30_000);
});
