/**
 * `TasksExtensionClient` when the SDK client's connection closes under its calls: a call waiting
 * between two `tasks/get` (the server suggests a long `pollIntervalMs`) must reject at once with a
 * clear error, not at its next poll, and a call started after the close must not wait a poll
 * interval either. Real SDK clients and a real TaskSupport server, over the SDK's in-memory transport
 * (v1) and Streamable HTTP (v2).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TasksExtensionClient } from '../../src/client/index.js';
import type { ExtensionTask } from '../../src/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, deferred, newServer, sleep, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { modernClient, rawModernRequest, statelessV2Server } from '../sdk/v2/harness.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const CLIENT_ENTRY = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The poll interval the server suggests: a call between polls would otherwise wait this long. */
const LONG_POLL_MS = 60_000;
/** What "at once" means here: generous for a loaded CI machine, far below any poll interval. */
const PROMPT_MS = 500;

/** A TaskSupport suggesting a poll every 60 s, and its `hold` tool, which runs until the test ends. */
function holdingTasks(): { tasks: TaskSupport; registerHold: (server: McpServer | McpServerV2) => void } {
  const tasks = testTaskSupport({ pollInterval: LONG_POLL_MS });
  const released = deferred();
  cleanups.push(async () => {
    released.resolve();
    await tasks.close();
  });
  const registerHold = (server: McpServer | McpServerV2): void => {
    tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async () => {
      await released.promise;
      return { content: [{ type: 'text', text: 'released' }] };
    });
  };
  return { tasks, registerHold };
}

async function v1Session(): Promise<Session> {
  const { tasks, registerHold } = holdingTasks();
  const session = await connectInMemory(tasks, registerHold);
  cleanups.push(() => session.close());
  return session;
}

/** Settles `call` and says how long after `since` it did; 'pending' when it did not within `ms`. */
async function settledWithin(call: Promise<unknown>, since: number, ms: number): Promise<{ error: unknown; ms: number } | 'pending'> {
  const settled = call.then(
    () => ({ error: undefined, ms: Date.now() - since }),
    (error: unknown) => ({ error, ms: Date.now() - since }),
  );
  return Promise.race([settled, sleep(ms).then(() => 'pending' as const)]);
}

/** Starts a task-backed call and resolves once it waits for its first poll, 60 s away. */
async function pendingCall(helper: TasksExtensionClient): Promise<{ call: Promise<unknown>; task: ExtensionTask }> {
  const created = deferred<ExtensionTask>();
  const call = helper.callTool({ name: 'hold', arguments: {} }, { onTaskCreated: created.resolve });
  // A rejection before the test looks at it must not count as unhandled.
  call.catch(() => {});
  const task = await created.promise;
  expect(task.status).toBe('working');
  expect(task.pollIntervalMs).toBe(LONG_POLL_MS);
  await sleep(5);
  return { call, task };
}

function expectConnectionClosed(error: unknown, taskId?: string): void {
  expect(error).toBeInstanceOf(McpError);
  expect(error).toMatchObject({ code: ErrorCode.ConnectionClosed, message: expect.stringContaining('Connection closed') as string });
  if (taskId !== undefined) expect((error as McpError).data).toMatchObject({ taskId });
}

describe('TasksExtensionClient when the connection closes (SDK v1 client, in-memory transport)', () => {
  it('rejects a call waiting between polls within milliseconds of client.close(), not at its next poll 60 s later', async () => {
    const session = await v1Session();
    const helper = new TasksExtensionClient(session.client);
    const { call, task } = await pendingCall(helper);
    const closedAt = Date.now();
    await session.client.close();
    const outcome = await settledWithin(call, closedAt, PROMPT_MS);
    expect(outcome).not.toBe('pending');
    if (outcome !== 'pending') expectConnectionClosed(outcome.error, task.taskId);
  });

  it('rejects every pending call when the transport closes under the client (the server side goes away)', async () => {
    const session = await v1Session();
    const helper = new TasksExtensionClient(session.client);
    const calls = await Promise.all(Array.from({ length: 12 }, () => pendingCall(helper)));
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const closedAt = Date.now();
      await session.server.close(); // the in-memory pair closes both ends
      for (const { call, task } of calls) {
        const outcome = await settledWithin(call, closedAt, PROMPT_MS);
        expect(outcome).not.toBe('pending');
        if (outcome !== 'pending') expectConnectionClosed(outcome.error, task.taskId);
      }
      await sleep(10);
      // Twelve calls wait on one connection: no listener pile-up on a shared signal.
      expect(warnings.map((w) => w.name)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects calls started after the close at once, with the same error, instead of waiting a poll interval', async () => {
    const session = await v1Session();
    const helper = new TasksExtensionClient(session.client);
    const { task } = await pendingCall(helper);
    await session.client.close();
    const started = Date.now();
    // Resuming a persisted task: it is `working`, so the old code paused a whole interval first.
    const resumed = await settledWithin(helper.waitForTask(task), started, PROMPT_MS);
    expect(resumed).not.toBe('pending');
    if (resumed !== 'pending') expectConnectionClosed(resumed.error, task.taskId);
    const lateCalls = [
      () => helper.callTool({ name: 'hold', arguments: {} }),
      () => helper.getTask(task.taskId),
      () => helper.cancelTask(task.taskId),
      () => helper.updateTask(task.taskId, {}),
    ];
    for (const late of lateCalls) {
      const outcome = await settledWithin(late(), Date.now(), PROMPT_MS);
      expect(outcome).not.toBe('pending');
      if (outcome !== 'pending') expectConnectionClosed(outcome.error);
    }
  });

  it("keeps the application's client.onclose, set before or after wrapping, and works again after a reconnect", async () => {
    const { registerHold } = holdingTasks();
    const server = newServer();
    registerHold(server);
    const client = new Client({ name: 'onclose-test', version: '1' });
    const seen: string[] = [];
    const connect = async (): Promise<void> => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      await client.connect(clientSide);
    };
    const closeAndExpectRejected = async ({ call, task }: { call: Promise<unknown>; task: ExtensionTask }): Promise<void> => {
      const closedAt = Date.now();
      await client.close();
      const outcome = await settledWithin(call, closedAt, PROMPT_MS);
      expect(outcome).not.toBe('pending');
      if (outcome !== 'pending') expectConnectionClosed(outcome.error, task.taskId);
      await server.close();
    };
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });

    client.onclose = () => seen.push('set before');
    await connect();
    const helper = new TasksExtensionClient(client);
    await closeAndExpectRejected(await pendingCall(helper));
    // Distinct: the SDK runs it twice on the in-memory pair (each end's close closes the other).
    expect([...new Set(seen)]).toEqual(['set before']);

    // Connected again (a new transport pair), the application's handler replaced while a call waits.
    await connect();
    const second = await pendingCall(helper);
    client.onclose = () => seen.push('set after');
    await closeAndExpectRejected(second);
    expect([...new Set(seen)]).toEqual(['set before', 'set after']);
  });
});

describe('TasksExtensionClient when the connection closes: nothing left running', () => {
  it('lets a program end once client.close() rejected its call, even with a server poll interval of 2^31-1 ms', async () => {
    // A program of its own, so what keeps its event loop alive shows: it must end by itself.
    const program = `
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
      const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
      const { TaskSupport } = await import(${JSON.stringify(ENTRY)});
      const { TasksExtensionClient } = await import(${JSON.stringify(CLIENT_ENTRY)});
      const tasks = TaskSupport.inMemory({ pollInterval: 2 ** 31 - 1 });
      const server = new McpServer({ name: 'hold', version: '1' });
      tasks.registerTool(server, 'hold', { taskSupport: 'required' }, (_args, task) =>
        new Promise((_resolve, reject) => task.signal.addEventListener('abort', () => reject(task.signal.reason))));
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 'closing', version: '1' });
      await client.connect(clientSide);
      let created;
      const made = new Promise((resolve) => (created = resolve));
      const call = new TasksExtensionClient(client).callTool({ name: 'hold', arguments: {} }, { onTaskCreated: created });
      const task = await made;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const closedAt = Date.now();
      await client.close();
      const error = await call.then(() => undefined, (e) => e);
      console.log(JSON.stringify({ ms: Date.now() - closedAt, code: error?.code, pollIntervalMs: task.pollIntervalMs }));
      await server.close();
      await tasks.close();`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Killed at 10 s (code null) when a timer of the call kept it alive.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    expect(errors).toBe('');
    expect(output).not.toBe('');
    const seen = JSON.parse(output) as { ms: number; code: number; pollIntervalMs: number };
    expect(seen).toMatchObject({ code: ErrorCode.ConnectionClosed, pollIntervalMs: 2 ** 31 - 1 });
    expect(seen.ms).toBeLessThan(PROMPT_MS);
    expect(code).toBe(0);
  }, 20_000);
});

describe('TasksExtensionClient when the connection closes (SDK v2 client, Streamable HTTP)', () => {
  it('rejects a call waiting between polls within milliseconds of client.close(), and refuses a later call before its tools/call', async () => {
    const { tasks, registerHold } = holdingTasks();
    const server = await statelessV2Server(tasks, registerHold);
    cleanups.push(() => server.close());
    const client = await modernClient(server.url, true);
    cleanups.push(() => client.close());
    let toolCalls = 0;
    const helper: TasksExtensionClient = new TasksExtensionClient(client, {
      rawToolCall: async (params) => {
        toolCalls++;
        const answer = await rawModernRequest(server.url, 'tools/call', params, helper.capabilities as Record<string, unknown>);
        if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
        return answer.result!;
      },
    });
    const { call, task } = await pendingCall(helper);
    const closedAt = Date.now();
    await client.close();
    const outcome = await settledWithin(call, closedAt, PROMPT_MS);
    expect(outcome).not.toBe('pending');
    if (outcome !== 'pending') expectConnectionClosed(outcome.error, task.taskId);
    // Started after the close: refused before its tools/call, so no task is left running for nobody.
    const late = await settledWithin(helper.callTool({ name: 'hold', arguments: {} }), Date.now(), PROMPT_MS);
    expect(late).not.toBe('pending');
    if (late !== 'pending') expectConnectionClosed(late.error);
    expect(toolCalls).toBe(1);
  });
});
