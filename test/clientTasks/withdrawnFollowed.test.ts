/**
 * A late CreateTaskResult (its server task was cancelled while the client made its task) that names
 * a task another request of the session follows now: the session must not send `tasks/cancel` for
 * it, which would end the other request's task under its follow. A real SDK v1 client with scripted
 * task handlers in front of an SDK v1 McpServer, over the SDK's in-memory link and Streamable HTTP;
 * the followed task is asked by a server task, or by an inline call.
 *
 * Before: SessionRouter.withdrawn sent `tasks/cancel` for any late CreateTaskResult, and the client
 * cancelled the task the first request was waiting on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolResultSchema,
  CancelTaskRequestSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createTask, deferred, taskResult, testTaskSupport } from '../support/harness.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { until } from '../support/until.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A server whose `ask` (a task tool) and `askInline` (called without `task`) elicit as a task. The
 * client gives every elicitation the task `shared`; it answers the second only once `release`
 * resolves. `shared` is `working` until `complete()`.
 */
async function setup(link: 'memory' | 'http') {
  const tasks = testTaskSupport({ pollInterval: 1000 });
  const create = (): McpServer => {
    const server = new McpServer({ name: 's', version: '1' });
    const work = async (_args: unknown, task: { elicitAsTask: McpElicit }): Promise<CallToolResult> => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: answer.action }] };
    };
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, work);
    tasks.registerTool(server, 'askInline', { taskSupport: 'optional' }, work);
    tasks.enable(server);
    return server;
  };
  const client = new Client(
    { name: 'withdrawn-followed', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  const release = deferred();
  let status = 'working';
  let asked = 0;
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    received.push(request.method);
    if (++asked > 1) await release.promise;
    return { task: clientTask('shared', 'working', { pollInterval: 10, ttl: null }) } as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    return clientTask(request.params.taskId, status, { pollInterval: 10, ttl: null }) as never;
  });
  client.setRequestHandler(GetTaskPayloadRequestSchema, (request) => {
    received.push(`tasks/result ${request.params.taskId}`);
    return { action: 'accept', content: { ok: true } } as Result as never;
  });
  client.setRequestHandler(CancelTaskRequestSchema, (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    status = 'cancelled';
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  cleanups.push(() => tasks.close());
  if (link === 'http') {
    const running = await serveHttp(tasks, create, { port: 0 });
    cleanups.push(() => running.close());
    await client.connect(new StreamableHTTPClientTransport(new URL(running.url)));
  } else {
    const server = create();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanups.push(() => server.close());
  }
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  return { client, count, release, complete: () => void (status = 'completed') };
}

type McpElicit = (params: { message: string; requestedSchema: typeof requestedSchema }) => Promise<{ action: string }>;

/** What a call's outcome reads as: its text, or its error's message. */
const outcomeOf = (call: Promise<CallToolResult>): Promise<string> =>
  call.then(
    (result) => JSON.stringify(result.content),
    (error: Error) => error.message,
  );

const accepted = JSON.stringify([{ type: 'text', text: 'accept' }]);

describe('a late CreateTaskResult naming a client task another request of the session follows', () => {
  for (const link of ['memory', 'http'] as const) {
    for (const first of ['a server task', 'an inline call'] as const) {
      it(`sends no tasks/cancel: the task followed for ${first} runs on to its answer (${link} link)`, async () => {
        const s = await setup(link);
        const following =
          first === 'a server task'
            ? createTask(s.client, 'ask', {}, 10 * 60_000).then(({ taskId }) => taskResult(s.client, taskId))
            : s.client.request({ method: 'tools/call', params: { name: 'askInline', arguments: {} } }, CallToolResultSchema);
        const outcome = outcomeOf(following);
        await until(() => s.count('tasks/get shared') >= 2, 'the first follow to poll its client task');
        // A second server task asks; the client is slow to answer, and the task is cancelled meanwhile.
        const second = await createTask(s.client, 'ask', {}, 10 * 60_000);
        const secondOutcome = outcomeOf(taskResult(s.client, second.taskId));
        await until(() => s.count('elicitation/create') === 2, 'the second task-augmented request to reach the client');
        await s.client.experimental.tasks.cancelTask(second.taskId);
        expect(await secondOutcome).toContain('cancelled');
        const polls = s.count('tasks/get shared');
        s.release.resolve();
        // The late answer was taken: the follow polled twice more since (a tasks/cancel sent for it came before).
        await until(() => s.count('tasks/get shared') >= polls + 2, 'the first follow to poll on');
        s.complete();
        expect(await outcome).toBe(accepted);
        expect(s.count('tasks/cancel')).toBe(0);
      });
    }
  }
});
