/**
 * A server task (a task-augmented `tools/call`) over Streamable HTTP whose work asks `elicitAsTask`
 * of a client that declared task-augmented elicitation but opened no standalone GET stream (it may
 * not: the GET is optional, and this one is refused locally with 405, which the SDK client takes as
 * "the server offers none"). The real SDK v1 client in front of an SDK v1 and an SDK v2 McpServer.
 *
 * The request itself can reach the client (on its `tasks/result` of the server task), but a client
 * task could not be followed: the follow's `tasks/get` and `tasks/cancel` go on the session's
 * channel, which has no stream to carry them and refuses them (SessionRouter.clientChannel). Asked
 * as a task, the client made its task (an open dialog, say), the first poll was refused, the server
 * task failed, and the client's task was left running for nobody. So the work's request goes out
 * plainly then, as where the client declared no task support, and its answer is the work's; a work
 * that refuses the plain fallback gets a MissingClientCapabilityError saying why. With the GET
 * stream open, the same request goes out as a task (the control).
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { CancelTaskRequestSchema, ElicitRequestSchema, GetTaskRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { createTask, taskResult, testTaskSupport } from '../support/harness.js';
import { track, until } from '../support/until.js';
import { serveLineSessions } from '../support/lineSessions.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Line = 'v1' | 'v2';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

/** fetch that never opens the standalone stream: a GET is answered 405 without reaching the server. */
const noGet = (url: string | URL, init?: RequestInit): Promise<Response> =>
  init?.method === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : fetch(url, init);

/** Whether a follow's snapshot is in its `active` state (inspect sees the sanitized copy of src/inspect/inspection.ts: values only, no `matches`). */
const isActive = (snapshot: { value?: unknown }): boolean =>
  typeof snapshot.value === 'object' && snapshot.value !== null && 'active' in snapshot.value;

/**
 * A server whose `ask` (taskSupport `required`) awaits an `elicitAsTask`, and a client that answers
 * it with its task `client-task-1`, `working`, polled every `pollInterval` ms; `received` lists
 * `method taskId` of each request the client got.
 */
async function setup(line: Line, pollInterval: number, { get = false, refuse = false } = {}) {
  const warnings: string[] = [];
  const follows: AnyActorRef[] = [];
  const tasks = testTaskSupport({
    logger: { warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')), error: () => {} },
    inspect: (event) => {
      const actor = event.actorRef as AnyActorRef;
      if (event.type === '@xstate.actor' && actor.id.startsWith('clientTask-')) follows.push(actor);
    },
  });
  cleanups.push(() => tasks.close());
  const http = await serveLineSessions(line, tasks, () => {
    const server =
      line === 'v2' ? (new McpServerV2({ name: 's', version: '1' }) as unknown as McpServer) : new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema }, refuse ? { fallback: 'refuse' } : {});
      return { content: [{ type: 'text', text: answer.action }] };
    });
    tasks.enable(server);
    return server;
  });
  cleanups.push(() => http.close());
  const client = new Client(
    { name: 'task-follow-no-get', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  const working = (taskId: string): never => clientTask(taskId, 'working', { pollInterval, ttl: null }) as never;
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    received.push(request.params.task ? `${request.method} as a task` : request.method);
    return request.params.task ? ({ task: working('client-task-1') } as never) : { action: 'accept', content: { ok: true } };
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return working(request.params.taskId);
  });
  client.setRequestHandler(CancelTaskRequestSchema, (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  await client.connect(new StreamableHTTPClientTransport(http.url, get ? {} : { fetch: noGet }));
  cleanups.push(() => client.close());
  const task = await createTask(client, 'ask', {});
  // The client waits on the task's result: that POST carries the task's elicitation/create.
  const result = track(taskResult(client, task.taskId));
  const status = async () => client.experimental.tasks.getTask(task.taskId);
  /** Whether the one follow has its client task (the CreateTaskResult reached it). */
  const following = (): boolean => follows.length === 1 && isActive(follows[0]!.getSnapshot());
  return { client, task, result, received, warnings, status, following };
}

for (const line of ['v1', 'v2'] as const) {
  describe(`a server task asking its client as a task, no GET stream open (SDK ${line} server, Streamable HTTP)`, () => {
    it('asks plainly: the client answers the request itself and the task completes with that answer', async () => {
      const s = await setup(line, 10);
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      expect(s.result.settled).toEqual({ ok: true, value: expect.objectContaining({ content: [{ type: 'text', text: 'accept' }] }) });
      expect((await s.status()).status).toBe('completed');
      // No client task was made, so there was nothing to poll or cancel.
      expect(s.received).toEqual(['elicitation/create']);
      expect(s.warnings).toEqual([]);
    });

    it('a work that refuses the plain request gets a MissingClientCapabilityError saying why, and the client is asked nothing', async () => {
      const s = await setup(line, 10, { refuse: true });
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      const task = await s.status();
      expect(task.status).toBe('failed');
      expect(task.statusMessage).toContain('the session has no standalone stream (GET) open to carry tasks/get and tasks/cancel');
      expect(s.received).toEqual([]);
    });

    it('with the GET stream open, asks as a task and follows it (the control)', async () => {
      const s = await setup(line, 10, { get: true });
      await until(() => s.received.some((r) => r.startsWith('tasks/get')), 'a poll of the client task', 5000);
      expect(s.received[0]).toBe('elicitation/create as a task');
      await until(s.following, 'the follow to have the client task');
    });
  });
}
