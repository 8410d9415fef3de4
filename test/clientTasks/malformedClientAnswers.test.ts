/**
 * A client whose `tasks/get` answers are not about its task as it is (a shape the schema refuses,
 * another task's status), followed by the server (`elicitAsTask` from a server task): a real SDK v1
 * client with scripted task handlers over the SDK's in-memory link. The work must get one readable
 * error (the SDK hands on the bare zod error, its issues as JSON), and the client's task, which it
 * still holds and nobody awaits now, must be cancelled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CancelTaskRequestSchema,
  ErrorCode,
  McpError,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, deferred, newServer, sleep, taskResult, testTaskSupport } from '../support/harness.js';
import { serveSessions } from '../support/httpServers.js';
import { until } from '../support/until.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** How the client answers; a handler left out never answers. */
interface Script {
  create(taskId: string): Result;
  get?(taskId: string): Result;
  result?(taskId: string): Result;
}

/** A client task as the client reports it. */
function clientTask(taskId: string, status: string, extra: Record<string, unknown> = {}): Result {
  const now = new Date().toISOString();
  return { taskId, status, ttl: 60_000, createdAt: now, lastUpdatedAt: now, ...extra };
}

interface Setup {
  client: Client;
  /** `method taskId` of each request the client received. */
  received: string[];
  /** The client-task actors the engine started. */
  actors: AnyActorRef[];
  count(prefix: string): number;
}

/**
 * The server and a client speaking to it: over Streamable HTTP, or (`memory`) the SDK's in-memory
 * link, whose requests cost next to nothing, so a poll rate there is the timer's own.
 */
async function setup(script: Script, link: 'http' | 'memory' = 'http'): Promise<Setup> {
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
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema }, { ttl: 60_000 });
      return { content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content ?? {})}` }] };
    });
    t.registerTool(server, 'sample', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.createMessageAsTask({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 });
      return { content: [{ type: 'text', text: JSON.stringify(answer.content) }] };
    });
    t.enable(server);
    return server;
  };
  const client = new Client(
    { name: 'scripted-receiver', version: '1.0.0' },
    {
      capabilities: {
        elicitation: { form: {} },
        sampling: {},
        tasks: { cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
      },
    },
  );
  const received: string[] = [];
  const never = new Promise<never>(() => {});
  for (const schema of [ElicitRequestSchema, CreateMessageRequestSchema]) {
    client.setRequestHandler(schema, (request) => {
      received.push(request.method);
      return script.create('client-task-1') as never;
    });
  }
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return (script.get ? script.get(request.params.taskId) : never) as never;
  });
  client.setRequestHandler(GetTaskPayloadRequestSchema, (request) => {
    received.push(`tasks/result ${request.params.taskId}`);
    return (script.result ? script.result(request.params.taskId) : never) as never;
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
  return { client, received, actors, count: (prefix) => received.filter((r) => r.startsWith(prefix)).length };
}

/** Starts the server task `ask` and waits for its elicitation/create to reach the client. */
async function ask(s: Setup): Promise<{ outcome: Promise<CallToolResult> }> {
  const { taskId } = await createTask(s.client, 'ask', {}, 10 * 60_000);
  const outcome = taskResult(s.client, taskId);
  outcome.catch(() => {});
  await until(() => s.received.includes('elicitation/create'), 'the task-augmented request to reach the client');
  return { outcome };
}

/** Why the server task failed: its tasks/result's error (a work's McpError), or its isError result's text. */
async function failure(outcome: Promise<CallToolResult>): Promise<string> {
  return outcome.then(
    (result) => (result.isError ? JSON.stringify(result.content) : `not failed: ${JSON.stringify(result.content)}`),
    (error: Error) => error.message,
  );
}

describe('following the task of a client whose tasks/get answers are not about its task as it is', () => {
  for (const link of ['http', 'memory'] as const) {
    it(`a tasks/get answer of an unknown status fails the ask with one readable error and cancels the client's task (${link})`, async () => {
      const s = await setup(
        { create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }), get: (id) => clientTask(id, 'paused') },
        link,
      );
      const why = await failure((await ask(s)).outcome);
      expect(why).toContain('Invalid answer from the client to tasks/get of its task client-task-1: status: Invalid option');
      expect(why).not.toContain('\\n');
      await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
      expect(s.count('tasks/cancel')).toBe(1);
      expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
    });
  }

  it("a tasks/get answer about another task cancels the client's own task, never the other", async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }),
      get: () => clientTask('someone-else', 'working', { pollInterval: 10 }),
    });
    expect(await failure((await ask(s)).outcome)).toContain(
      'The client answered tasks/get of its task client-task-1 about task someone-else',
    );
    await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
    expect(s.received.filter((r) => r.includes('someone-else'))).toEqual([]);
  });

  it('a tasks/get that fails with a JSON-RPC error (the task is gone) sends no tasks/cancel', async () => {
    const s = await setup(
      {
        create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }),
        get: () => {
          throw new McpError(ErrorCode.InvalidParams, 'Task not found');
        },
      },
      'memory',
    );
    expect(await failure((await ask(s)).outcome)).toContain('Task not found');
    await sleep(100);
    expect(s.count('tasks/cancel')).toBe(0);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });
});

describe('following the task of a client whose reports go back on its end', () => {
  it('a `cancelled` report after `completed` neither ends the follow nor drops the open tasks/result: the work gets the answer', async () => {
    const answer = deferred<Result>();
    const s = await setup(
      {
        create: (id) => ({ task: clientTask(id, 'input_required', { ttl: null }) }),
        result: () => answer.promise as unknown as Result,
      },
      'memory',
    );
    const { outcome } = await ask(s);
    await until(() => s.received.includes('tasks/result client-task-1'), 'the follow to open tasks/result');
    for (const status of ['completed', 'cancelled', 'working']) {
      await s.client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', status, { ttl: null }) });
    }
    await sleep(50);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['active']);
    answer.resolve({ action: 'accept', content: { ok: true } });
    expect((await outcome).content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(s.count('tasks/result')).toBe(1);
    expect(s.count('tasks/cancel')).toBe(0);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });
});
