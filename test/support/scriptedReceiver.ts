/**
 * A client whose task-augmented requests the server follows (`elicitAsTask` / `createMessageAsTask`
 * from a server task), with scripted `tasks/get`, `tasks/result` and `tasks/cancel` handlers: a real
 * SDK v1 client, over Streamable HTTP or the SDK's in-memory link. For the hostile-client tests.
 */
import type { AnyActorRef } from 'xstate';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CancelTaskRequestSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { newServer, testTaskSupport } from './harness.js';
import { serveSessions } from './httpServers.js';
import { collectFollows } from './followActors.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

/** How the client answers; a handler left out never answers. */
export interface Script {
  create(taskId: string): Result;
  get?(taskId: string): Result;
  result?(taskId: string): Result;
}

/** A client task as the client reports it. */
export function clientTask(taskId: string, status: string, extra: Record<string, unknown> = {}): Result {
  const now = new Date().toISOString();
  return { taskId, status, ttl: 60_000, createdAt: now, lastUpdatedAt: now, ...extra };
}

/**
 * A client whose every elicitation gets the task `client-task-1`, `working` (polled every 10 ms, no
 * ttl) until cancelled; `received` lists `method taskId` of each request it got. With `answerAfter`,
 * each CreateTaskResult waits for it (a late answer).
 */
export function workingClient(name: string, answerAfter?: Promise<unknown>): { client: Client; received: string[] } {
  const client = new Client(
    { name, version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    received.push(request.method);
    if (answerAfter) await answerAfter;
    return { task: clientTask('client-task-1', 'working', { pollInterval: 10, ttl: null }) } as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return clientTask(request.params.taskId, 'working', { pollInterval: 10, ttl: null }) as never;
  });
  client.setRequestHandler(CancelTaskRequestSchema, (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  return { client, received };
}

export interface Setup {
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
export async function scriptedReceiver(
  script: Script,
  cleanup: (close: () => Promise<void>) => void,
  link: 'http' | 'memory' = 'http',
): Promise<Setup> {
  const actors: AnyActorRef[] = [];
  const tasks = testTaskSupport({
    pollInterval: 1000,
    inspect: collectFollows(actors),
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
  cleanup(() => tasks.close());
  if (link === 'http') {
    const http = await serveSessions(tasks, createServer);
    cleanup(() => http.close());
    await client.connect(new StreamableHTTPClientTransport(http.url));
  } else {
    const server = createServer(tasks);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanup(() => server.close());
  }
  cleanup(() => client.close());
  return { client, received, actors, count: (prefix) => received.filter((r) => r.startsWith(prefix)).length };
}
