/**
 * A client whose reports about its tasks cross each other: one task id given to two requests of
 * the session, and a `tasks/get` answer that arrives after a newer report (a slow poll overtaken by
 * the client's `notifications/tasks/status`). A real SDK v1 client with scripted task handlers, on
 * the SDK's in-memory link and over Streamable HTTP, in front of a server whose tasks ask with
 * `elicitAsTask` (src/engine/ClientTasks.ts follows each client task).
 *
 * Before: both follows of a reused id took the same status and the same `tasks/result`, so one
 * request got the answer to the other (and a cancel of one cancelled the other's task); and a
 * stale `working` moved a follow back from `input_required`, dropping its open `tasks/result`.
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CancelTaskRequestSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, deferred, newServer, taskResult, testTaskSupport } from '../support/harness.js';
import { serveSessions } from '../support/httpServers.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { drain, until } from '../support/until.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** How the client answers: `create` gets the count of task-augmented requests so far (1, 2, …). */
interface Script {
  create(n: number): Result;
  get?(taskId: string): Result | Promise<Result>;
  result?(taskId: string, signal: AbortSignal): Result | Promise<Result>;
}

/** A server whose task tool `ask` elicits as a task, and the scripted client. */
async function setup(script: Script, link: 'http' | 'memory') {
  const actors: AnyActorRef[] = [];
  const tasks = testTaskSupport({
    pollInterval: 1000,
    inspect: (event) => {
      const actor = event.actorRef as AnyActorRef;
      if (event.type === '@xstate.actor' && actor.id.startsWith('clientTask-')) actors.push(actor);
    },
  });
  const createServer = (t: TaskSupport): McpServer => {
    const server = newServer();
    t.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content ?? {})}` }] };
    });
    t.enable(server);
    return server;
  };
  const client = new Client(
    { name: 'crossed-reports', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  const never = new Promise<never>(() => {});
  let created = 0;
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    received.push(request.method);
    return script.create(++created) as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return (script.get ? script.get(request.params.taskId) : never) as never;
  });
  client.setRequestHandler(GetTaskPayloadRequestSchema, (request, extra) => {
    received.push(`tasks/result ${request.params.taskId}`);
    return (script.result ? script.result(request.params.taskId, extra.signal) : never) as never;
  });
  client.setRequestHandler(CancelTaskRequestSchema, (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  cleanups.push(() => tasks.close());
  if (link === 'http') {
    const http = await serveSessions(tasks, createServer);
    cleanups.push(() => http.close());
    await client.connect(new StreamableHTTPClientTransport(http.url));
  } else {
    const server = createServer(tasks);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanups.push(() => server.close());
  }
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  const notify = (task: Result): Promise<void> => client.notification({ method: 'notifications/tasks/status', params: task });
  return { client, received, actors, count, notify };
}

/** Starts a server task `ask` and opens its tasks/result; resolves once its elicitation/create reached the client. */
async function ask(s: Awaited<ReturnType<typeof setup>>, nth: number) {
  const { taskId } = await createTask(s.client, 'ask', {}, 10 * 60_000);
  const outcome = taskResult(s.client, taskId).then(
    (result: CallToolResult) => JSON.stringify(result.content),
    (error: Error) => error.message,
  );
  await until(() => s.count('elicitation/create') === nth, 'the task-augmented request to reach the client');
  return { taskId, outcome };
}

describe('a client that gives one task id to two requests of its session', () => {
  for (const link of ['memory', 'http'] as const) {
    it(`the second request fails with a clear error; the first gets its own answer, and its task alone is fetched (${link})`, async () => {
      const answer = deferred<Result>();
      const s = await setup(
        { create: () => ({ task: clientTask('reused', 'input_required', { ttl: null }) }), result: () => answer.promise },
        link,
      );
      const first = await ask(s, 1);
      await until(() => s.count('tasks/result reused') === 1, 'the first follow to open tasks/result');
      const second = await ask(s, 2);
      // Before, the second follow took the task too and opened a second tasks/result for it.
      await until(() => s.actors[1]?.getSnapshot().status === 'done' || s.count('tasks/result') === 2, 'the second follow to settle');
      answer.resolve({ action: 'accept', content: { ok: true } });
      expect(await second.outcome).toContain('Invalid answer from the client: task reused is the task of another request it was sent');
      expect(await first.outcome).toBe(JSON.stringify([{ type: 'text', text: 'accept:{"ok":true}' }]));
      // Only the first follow fetched it, and nobody cancelled the client's task on the second's failure.
      expect(s.count('tasks/result')).toBe(1);
      expect(s.count('tasks/cancel')).toBe(0);
      expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done', 'done']);
    });
  }

  it('the second follow neither polls nor cancels the task; cancelling the first server task cancels it once', async () => {
    const s = await setup(
      { create: () => ({ task: clientTask('reused', 'working', { pollInterval: 20 }) }), get: (id) => clientTask(id, 'working') },
      'memory',
    );
    const first = await ask(s, 1);
    await until(() => s.count('tasks/get reused') > 0, 'the first follow to poll');
    const second = await ask(s, 2);
    await until(() => s.actors[1]?.getSnapshot().status === 'done', 'the second follow to end');
    expect(await second.outcome).toContain('is the task of another request it was sent');
    expect(s.count('tasks/cancel')).toBe(0);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['active', 'done']);
    await s.client.experimental.tasks.cancelTask(first.taskId);
    await until(() => s.count('tasks/cancel reused') === 1, 'the first follow to cancel its client task');
    await first.outcome;
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done', 'done']);
  });

  it('the id may be used again once its follow ended', async () => {
    const s = await setup(
      { create: () => ({ task: clientTask('reused', 'completed') }), result: () => ({ action: 'accept', content: { ok: true } }) },
      'memory',
    );
    const answered = JSON.stringify([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(await (await ask(s, 1)).outcome).toBe(answered);
    expect(await (await ask(s, 2)).outcome).toBe(answered);
  });
});

describe('a tasks/get answer older than a report the follow already took', () => {
  for (const link of ['memory', 'http'] as const) {
    it(`a stale working does not drop the tasks/result the client's input_required opened (${link})`, async () => {
      const stale = deferred<Result>();
      const answer = deferred<Result>();
      let aborted = 0;
      let polls = 0;
      const s = await setup(
        {
          create: () => ({ task: clientTask('client-task-1', 'working', { pollInterval: 10, ttl: null }) }),
          // The first poll is answered late, with the status as it was when asked.
          get: (id) => (++polls === 1 ? stale.promise : clientTask(id, 'input_required', { pollInterval: 10, ttl: null })),
          result: (_id, signal) => {
            signal.addEventListener('abort', () => aborted++);
            return answer.promise;
          },
        },
        link,
      );
      const { outcome } = await ask(s, 1);
      await until(() => s.count('tasks/get') === 1, 'the first poll');
      await s.notify(clientTask('client-task-1', 'input_required', { ttl: null }));
      await until(() => s.count('tasks/result') === 1, 'the follow to open tasks/result');
      stale.resolve(clientTask('client-task-1', 'working', { pollInterval: 10, ttl: null }));
      await drain(20);
      // The client's task ends; the open tasks/result answers.
      await s.notify(clientTask('client-task-1', 'completed', { ttl: null }));
      answer.resolve({ action: 'accept', content: { ok: true } });
      expect(await outcome).toBe(JSON.stringify([{ type: 'text', text: 'accept:{"ok":true}' }]));
      expect(s.count('tasks/result')).toBe(1);
      expect(aborted).toBe(0);
      expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
    });
  }

  it('a terminal status is taken however late its poll is answered', async () => {
    const late = deferred<Result>();
    let polls = 0;
    const s = await setup(
      {
        create: () => ({ task: clientTask('client-task-1', 'working', { pollInterval: 10, ttl: null }) }),
        get: (id) => (++polls === 1 ? late.promise : clientTask(id, 'working', { pollInterval: 10, ttl: null })),
        result: () => ({ action: 'accept', content: { ok: true } }),
      },
      'memory',
    );
    const { outcome } = await ask(s, 1);
    await until(() => s.count('tasks/get') > 3, 'later polls to be answered');
    late.resolve(clientTask('client-task-1', 'completed', { ttl: null }));
    expect(await outcome).toBe(JSON.stringify([{ type: 'text', text: 'accept:{"ok":true}' }]));
  });
});
