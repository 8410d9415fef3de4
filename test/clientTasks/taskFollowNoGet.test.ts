/**
 * A server task (a task-augmented `tools/call`) over Streamable HTTP whose work follows a client task
 * (`elicitAsTask`), for a client that opened no standalone GET stream (it may not: the GET is
 * optional, and this one is refused locally with 405, which the SDK client takes as "the server
 * offers none"). The real SDK v1 client in front of an SDK v1 and an SDK v2 McpServer.
 *
 * The task-augmented request itself goes out on the client's `tasks/result` of the server task (the
 * task's queue delivers it there); the follow's own requests go on the session's channel, which has
 * no stream to carry them and refuses them at once (SessionRouter.clientChannel):
 *
 * - its `tasks/get`: the follow fails, and so does the task, at once, with the reason as its status
 *   message and as `tasks/result`'s error;
 * - its `tasks/cancel` (the server task was cancelled): given up at once, in one warning with the
 *   reason, and the server task ends `cancelled`.
 *
 * Before d416543 the transport dropped each such request without an error, and it waited out the
 * SDK's 60 s: the task stayed `input_required` for a minute before it failed, and a cancel was
 * logged as a timeout a minute later.
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { CancelTaskRequestSchema, ElicitRequestSchema, GetTaskRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
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

/** The reason the session's channel gives for a request it cannot send (SessionRouter.clientChannel). */
const NO_STREAM = 'the session has no standalone stream (GET) open to carry it';

/**
 * A server whose `ask` (taskSupport `required`) awaits an `elicitAsTask`, and a client that answers
 * it with its task `client-task-1`, `working`, polled every `pollInterval` ms; `received` lists
 * `method taskId` of each request the client got.
 */
async function setup(line: Line, pollInterval: number) {
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
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
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
    received.push(request.method);
    return { task: working('client-task-1') } as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return working(request.params.taskId);
  });
  client.setRequestHandler(CancelTaskRequestSchema, (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  await client.connect(new StreamableHTTPClientTransport(http.url, { fetch: noGet }));
  cleanups.push(() => client.close());
  const task = await createTask(client, 'ask', {});
  // The client waits on the task's result: that POST carries the task's elicitation/create.
  const result = track(taskResult(client, task.taskId));
  await until(() => received.includes('elicitation/create'), 'the task-augmented elicitation on tasks/result');
  const status = async () => client.experimental.tasks.getTask(task.taskId);
  /** Whether the one follow has its client task (the CreateTaskResult reached it). */
  const following = (): boolean => follows.length === 1 && isActive(follows[0]!.getSnapshot());
  return { client, task, result, received, warnings, status, following };
}

for (const line of ['v1', 'v2'] as const) {
  describe(`a server task following its client's task, no GET stream open (SDK ${line} server, Streamable HTTP)`, () => {
    it('its tasks/get is refused at once: the task fails at once, with the reason readable in its status and its result', async () => {
      const s = await setup(line, 10);
      // Well within the SDK's 60 s: the first poll is not left waiting on a stream nobody reads.
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      const settled = s.result.settled!;
      expect(settled.ok).toBe(false);
      const error = (settled as { error: unknown }).error;
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32000);
      expect((error as McpError).message).toContain(`tasks/get not sent: ${NO_STREAM}`);
      const task = await s.status();
      expect(task.status).toBe('failed');
      expect(task.statusMessage).toBe(`tasks/get not sent: ${NO_STREAM}`);
      // Refused before it went out: the client never got a poll.
      expect(s.received.filter((r) => r.startsWith('tasks/get'))).toEqual([]);
      expect(s.received.filter((r) => r === 'elicitation/create')).toHaveLength(1);
    });

    it('its tasks/cancel is refused at once: the server task is cancelled, and the cancel given up in one warning with the reason', async () => {
      // No poll before the cancel: the client suggests a minute between them.
      const s = await setup(line, 60_000);
      // Cancelled once the follow has the client's task (before, the CreateTaskResult came to a task no longer waiting for it).
      await until(s.following, 'the follow to have the client task');
      await s.client.experimental.tasks.cancelTask(s.task.taskId);
      await until(() => s.warnings.length > 0, 'the cancel of the client task to be given up', 2000);
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toContain("tasks/cancel of the client's task client-task-1 failed");
      expect(s.warnings[0]).toContain(`tasks/cancel not sent: ${NO_STREAM}`);
      expect((await s.status()).status).toBe('cancelled');
      await until(() => s.result.settled !== undefined, "the cancelled task's result", 5000);
      expect(s.received.filter((r) => r.startsWith('tasks/'))).toEqual([]);
    });
  });
}
