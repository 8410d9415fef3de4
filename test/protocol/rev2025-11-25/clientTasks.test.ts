/**
 * Task-augmented elicitation against the SDK v1 client's own task receiver (a `Client` with a
 * `taskStore`, MCP 2025-11-25): as a server task and inline, following by status notifications and,
 * when the client sends none, by `tasks/get` polling; the client's ttl; `tasks/cancel` when the server
 * task is cancelled; and the fallback when the client does not declare the capability.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { deferred, testTaskSupport } from '../../support/harness.js';
import { until } from '../../support/until.js';
import { recordingRequests } from '../../support/counting.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

interface Setup {
  tasks: TaskSupport;
  client: Client;
  store: InMemoryTaskStore;
  /** Methods of the requests the client received, in order. */
  received: string[];
  /** What the client's elicitation did with `params.task`. */
  augmented: boolean[];
  close(): Promise<void>;
}

let open: Setup | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

interface ClientBehaviour {
  /** Declares tasks.requests.elicitation.create (default true). */
  declares?: boolean;
  /** Drops the client's notifications/tasks/status, so only polling can see progress. */
  silent?: boolean;
  pollInterval?: number;
  /** How long the client's task takes before it stores its answer; undefined: never. */
  answerAfter?: number;
  /** Sees the engine's actor system. */
  inspect?: (event: InspectionEvent) => void;
}

/** Opened by a test to let `askThenWait` finish. */
let gate = deferred();

async function setup(behaviour: ClientBehaviour = {}): Promise<Setup> {
  gate = deferred();
  const tasks = testTaskSupport({ pollInterval: 5000, ...(behaviour.inspect ? { inspect: behaviour.inspect } : {}) });
  const server = new McpServer({ name: 'client-tasks', version: '1.0.0' });
  const answerText = (answer: ElicitResult): CallToolResult => ({
    content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content ?? {})}` }],
  });
  tasks.registerTool(server, 'askTask', { taskSupport: 'required', inputSchema: { ttl: z.number().optional() } }, async ({ ttl }, task) =>
    answerText(await task.elicitAsTask({ message: 'ok?', requestedSchema }, ttl === undefined ? {} : { ttl })),
  );
  // Asks, then waits for the test's gate: the server task's status between the two is observable.
  tasks.registerTool(server, 'askThenWait', { taskSupport: 'required' }, async (_args, task) => {
    const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
    await gate.promise;
    return answerText(answer);
  });
  // Asks and drops the ask, then waits for its cancel: the ask's end must not be an unhandled rejection.
  tasks.registerTool(server, 'askAndDrop', { taskSupport: 'required' }, (_args, task) => {
    void task.elicitAsTask({ message: 'ok?', requestedSchema });
    return new Promise<CallToolResult>((_resolve, reject) =>
      task.signal.addEventListener('abort', () => reject(task.signal.reason as Error)),
    );
  });
  // Asks, drops the ask and returns once the test's gate opens: the task's end ends the ask (the client's ttl is long).
  tasks.registerTool(server, 'askDropAndReturn', { taskSupport: 'required' }, async (_args, task) => {
    void task.elicitAsTask({ message: 'ok?', requestedSchema }, { ttl: 60_000 });
    await gate.promise;
    return { content: [{ type: 'text', text: 'returned without the answer' }] };
  });
  tasks.registerTool(server, 'askInline', { taskSupport: 'optional' }, async (_args, task) =>
    answerText(await task.elicitAsTask({ message: 'ok?', requestedSchema })),
  );
  tasks.registerTool(server, 'askRefuse', { taskSupport: 'optional' }, async (_args, task) =>
    answerText(await task.elicitAsTask({ message: 'ok?', requestedSchema }, { fallback: 'refuse' })),
  );
  tasks.enable(server);

  const store = new InMemoryTaskStore();
  const capabilities: ClientOptions['capabilities'] = {
    elicitation: { form: {} },
    ...(behaviour.declares === false ? {} : { tasks: { cancel: {}, requests: { elicitation: { create: {} } } } }),
  };
  const client = new Client({ name: 'v1-receiver', version: '1.0.0' }, { capabilities, taskStore: store });
  const received: string[] = [];
  const augmented: boolean[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const params = request.params as { task?: { ttl?: number } };
    augmented.push(params.task !== undefined);
    if (!params.task) return { action: 'accept', content: { ok: false } };
    const created = await extra.taskStore!.createTask({
      ...(params.task.ttl === undefined ? {} : { ttl: params.task.ttl }),
      pollInterval: behaviour.pollInterval ?? 20,
    });
    if (behaviour.answerAfter !== undefined) {
      setTimeout(
        () =>
          void extra.taskStore!.storeTaskResult(created.taskId, 'completed', { action: 'accept', content: { ok: true } }).catch(() => {}),
        behaviour.answerAfter,
      );
    }
    return { task: created };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = async (message, options) => {
    if ('method' in message && 'id' in message) received.push(message.method);
    if (behaviour.silent && 'method' in message && message.method === 'notifications/tasks/status') return;
    return send(message, options);
  };
  // Requests the client receives: counted on the way in.
  recordingRequests(serverTransport, received);
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  open = {
    tasks,
    client,
    store,
    received,
    augmented,
    close: async () => {
      await client.close();
      await server.close();
      await tasks.close();
    },
  };
  return open;
}

async function runTask(s: Setup, args: Record<string, unknown> = {}): Promise<{ taskId: string; result: Promise<CallToolResult> }> {
  const created = await s.client.request(
    { method: 'tools/call', params: { name: 'askTask', arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
  const taskId = created.task.taskId;
  const result = s.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, { timeout: 20_000 });
  result.catch(() => {});
  return { taskId, result };
}

async function serverStatus(s: Setup, taskId: string): Promise<string> {
  const task = await s.client.request({ method: 'tasks/get', params: { taskId } }, z.object({ status: z.string() }).passthrough());
  return task.status;
}

describe('task-augmented elicitation against the SDK v1 client task receiver', () => {
  it('a server task sends elicitation/create with params.task and completes with the client task’s answer (status notification)', async () => {
    const s = await setup({ answerAfter: 100, pollInterval: 60_000 });
    const { result } = await runTask(s, { ttl: 30_000 });
    expect((await result).content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(s.augmented).toEqual([true]);
    // Followed by its notification, not by polling (the client suggested a 60 s poll interval).
    expect(s.received.filter((m) => m === 'tasks/get')).toEqual([]);
    expect(s.received).toContain('tasks/result');
  });

  it('the client task’s actor is a child of the server task’s actor in the engine’s actor system', async () => {
    const doneTo: { target: string | undefined; type: string }[] = [];
    const s = await setup({
      answerAfter: 50,
      inspect: (event) => {
        if (event.type === '@xstate.event' && event.event.type.startsWith('xstate.done.actor.clientTask-')) {
          doneTo.push({ target: (event.actorRef as { id?: string }).id, type: event.event.type });
        }
      },
    });
    const { taskId, result } = await runTask(s);
    await result;
    // Its completion went to its parent, the server task's actor (id = taskId).
    expect(doneTo.map((d) => d.target)).toEqual([taskId]);
  });

  it('the server task is input_required while the client task runs', async () => {
    const s = await setup({ answerAfter: 400 });
    const { taskId, result } = await runTask(s);
    await until(() => s.augmented.length === 1, 'the client got the request');
    await new Promise((r) => setTimeout(r, 150));
    expect(await serverStatus(s, taskId)).toBe('input_required');
    await result;
    expect(await serverStatus(s, taskId)).toBe('completed');
  });

  it('the server task is working again once the client task ended, while its work goes on', async () => {
    const s = await setup({ answerAfter: 50 });
    const created = await s.client.request(
      { method: 'tools/call', params: { name: 'askThenWait', arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    await until(() => s.augmented.length === 1, 'the client got the request');
    expect(await serverStatus(s, taskId)).toBe('input_required');
    // The client's task completes after 50 ms; the work then waits on the gate, so only the end of
    // the client task can have moved the server task.
    let status = 'input_required';
    for (let tries = 0; status === 'input_required' && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await serverStatus(s, taskId);
    }
    expect(status).toBe('working');
    gate.resolve();
    const result = await s.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(await serverStatus(s, taskId)).toBe('completed');
  });

  it('with no status notification from the client, tasks/get at the client’s pollInterval finds the end', async () => {
    const s = await setup({ answerAfter: 150, silent: true, pollInterval: 20 });
    const { result } = await runTask(s);
    expect((await result).content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(s.received.filter((m) => m === 'tasks/get').length).toBeGreaterThanOrEqual(2);
  });

  it('a client task that outlives its ttl fails the elicitAsTask', async () => {
    const s = await setup({ silent: true, pollInterval: 60_000 });
    const { result } = await runTask(s, { ttl: 100 });
    const outcome = await result;
    expect(outcome.isError).toBe(true);
    expect(JSON.stringify(outcome.content)).toContain('ttl');
  });

  it('cancelling the server task sends tasks/cancel to the client, whose task ends cancelled', async () => {
    const s = await setup({});
    const { taskId } = await runTask(s);
    await until(() => s.augmented.length === 1, 'the client got the request');
    await until(() => s.received.includes('tasks/get'), 'the server follows the client task');
    await s.client.request({ method: 'tasks/cancel', params: { taskId } }, z.object({ status: z.string() }).passthrough());
    await until(() => s.received.includes('tasks/cancel'), 'tasks/cancel reached the client');
    const { tasks: clientTasks } = await s.store.listTasks();
    expect(clientTasks.map((t) => t.status)).toEqual(['cancelled']);
  });

  it('a work that dropped its elicitAsTask: cancelling the server task cancels the client task, with no unhandled rejection', async () => {
    const s = await setup({});
    const created = await s.client.request(
      { method: 'tools/call', params: { name: 'askAndDrop', arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const result = s.client
      .request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema)
      .catch((e: Error) => e);
    await until(() => s.received.includes('tasks/get'), 'the server follows the client task');
    await s.client.request(
      { method: 'tasks/cancel', params: { taskId: created.task.taskId } },
      z.object({ status: z.string() }).passthrough(),
    );
    await until(() => s.received.includes('tasks/cancel'), 'tasks/cancel reached the client');
    expect(((await result) as Error).message).toMatch(/cancelled/);
    // test/support/failOnUnhandled.ts fails the test if the dropped ask's rejection went unhandled.
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it('a work that dropped its elicitAsTask and returned completes; the task’s end cancels the client task, with no unhandled rejection', async () => {
    const events: InspectionEvent[] = [];
    const s = await setup({ inspect: (event) => events.push(event) });
    const warn = vi.spyOn(console, 'warn');
    const created = await s.client.request(
      { method: 'tools/call', params: { name: 'askDropAndReturn', arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const result = s.client.request({ method: 'tasks/result', params: { taskId: created.task.taskId } }, CallToolResultSchema);
    await until(() => s.received.includes('tasks/get'), 'the server follows the client task');
    gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'returned without the answer' }]);
    // Nobody can take the answer any more: the follow ends with the task, not at the client's ttl (60 s).
    await until(() => s.received.includes('tasks/cancel'), 'tasks/cancel reached the client');
    const clientTaskDone = (): boolean =>
      events.some(
        (e) =>
          e.type === '@xstate.snapshot' &&
          ((e.actorRef as { id?: string }).id ?? '').startsWith('clientTask-') &&
          e.snapshot.status === 'done',
      );
    expect(clientTaskDone()).toBe(true);
    const polls = s.received.filter((method) => method === 'tasks/get').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.received.filter((method) => method === 'tasks/get').length).toBe(polls);
    // The client-task actor ended before its parent, the task actor, did: XState warns of an event to a stopped actor otherwise.
    expect(warn.mock.calls.filter(([message]) => String(message).includes('stopped actor'))).toEqual([]);
    warn.mockRestore();
  });

  it('inline (a plain tools/call of an optional tool): the client task is followed on the call’s own stream', async () => {
    const s = await setup({ answerAfter: 50 });
    const result = await s.client.request({ method: 'tools/call', params: { name: 'askInline', arguments: {} } }, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(s.augmented).toEqual([true]);
  });

  it('a client that does not declare tasks.requests.elicitation.create gets a plain elicitation (the default fallback)', async () => {
    const s = await setup({ declares: false });
    const result = await s.client.request({ method: 'tools/call', params: { name: 'askInline', arguments: {} } }, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text: 'accept:{"ok":false}' }]);
    expect(s.augmented).toEqual([false]);
  });

  it("with fallback: 'refuse', such a client gets no request and the work a clear error", async () => {
    const s = await setup({ declares: false });
    const result = await s.client.request({ method: 'tools/call', params: { name: 'askRefuse', arguments: {} } }, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("did not declare the 'tasks.requests.elicitation.create' capability");
    expect(s.augmented).toEqual([]);
  });
});
