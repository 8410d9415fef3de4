import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult, JSONRPCResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, newServer, taskResult, testTaskSupport } from '../../support/harness.js';
import { demoServer, serveSessions } from '../../support/httpServers.js';
import { Jobs } from '../../support/jobs.js';
import { rpcError } from '../../support/session.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(tasks: TaskSupport): TaskSupport {
  cleanups.push(() => tasks.close());
  return tasks;
}

/** The four tasks/* calls a stranger could try on someone else's task id, as raw results or errors. */
async function strangerAttempts(client: Client, taskId: string) {
  // Each call's rejection is taken as it is made: awaited one by one, a later call that failed
  // first (on a Redis Cluster the answers can come in another order) was a rejection nothing
  // handled yet, and failed the test with the very error it expects.
  const attempts = [
    client.experimental.tasks.getTask(taskId),
    taskResult(client, taskId),
    client.experimental.tasks.cancelTask(taskId),
  ].map((call) => rpcError(call));
  const errors = [];
  for (const attempt of attempts) errors.push(await attempt);
  const listed = (await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
  return { errors, listed };
}

describe('binding of tasks/* to the caller', () => {
  it('answers another session exactly as for an id that does not exist (-32602), and never lists the task', async () => {
    const tasks = track(testTaskSupport());
    const jobs = new Jobs();
    const owner = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    const stranger = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    cleanups.push(owner.close, stranger.close);
    const task = await createTask(owner.client, 'job', { key: 'mine' });
    const unknownId = 'A'.repeat(22);

    const onTheTask = await strangerAttempts(stranger.client, task.taskId);
    const onNothing = await strangerAttempts(stranger.client, unknownId);
    expect(onTheTask.listed).toEqual([]);
    onTheTask.errors.forEach((error, i) => {
      expect(error.code).toBe(ErrorCode.InvalidParams);
      // Same answer as for a task that does not exist: the stranger learns nothing, not even existence.
      expect(error.message.replace(task.taskId, '<id>')).toBe(onNothing.errors[i]!.message.replace(unknownId, '<id>'));
      expect(error.data).toEqual(onNothing.errors[i]!.data);
    });
    // Nothing the stranger tried changed the task.
    expect((await owner.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    (await jobs.get('mine')).finish();
    expect((await taskResult(owner.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done mine' }]);
  });

  it('binds to the auth principal when there is one: the same principal in a new session reaches it, another principal does not', async () => {
    const tasks = track(testTaskSupport());
    const jobs = new Jobs();
    const connectAs = async (clientId: string, sub?: string) => {
      const server = newServer({ name: 's', version: '1' });
      jobs.register(tasks, server);
      tasks.enable(server);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const authInfo: AuthInfo = { token: `t-${clientId}`, clientId, scopes: [], ...(sub ? { extra: { sub } } : {}) };
      const send = clientSide.send.bind(clientSide);
      clientSide.send = (message, options) => send(message, { ...options, authInfo });
      const client = new Client({ name: 'c', version: '1' });
      await client.connect(clientSide);
      cleanups.push(() => client.close());
      return client;
    };
    const alice = await connectAs('app', 'alice');
    const task = await createTask(alice, 'job', { key: 'a' });
    const aliceAgain = await connectAs('app', 'alice');
    const bob = await connectAs('app', 'bob');
    const otherApp = await connectAs('other-app', 'alice');
    expect((await aliceAgain.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    for (const stranger of [bob, otherApp]) {
      const { errors, listed } = await strangerAttempts(stranger, task.taskId);
      expect(errors.map((e) => e.code)).toEqual([ErrorCode.InvalidParams, ErrorCode.InvalidParams, ErrorCode.InvalidParams]);
      expect(listed).toEqual([]);
    }
    await aliceAgain.experimental.tasks.cancelTask(task.taskId);
    expect((await alice.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  });
});

describe('binding of routed input responses to the connection that was asked', () => {
  it('ignores a forged response from session B carrying the id of the request session A waits on (in-memory)', async () => {
    const tasks = track(testTaskSupport());
    const jobs = new Jobs();
    const setup = (server: McpServer) => {
      jobs.register(tasks, server);
      tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({
          message: 'approve?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        });
        return { content: [{ type: 'text', text: `${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
      });
    };
    const a = await connectInMemory(tasks, setup);
    const b = await connectInMemory(tasks, setup);
    cleanups.push(a.close, b.close);
    const asked = deferred<RequestId>();
    const genuine = deferred<ElicitResult>();
    a.client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      asked.resolve(extra.requestId);
      return genuine.promise;
    });
    const bErrors: Error[] = [];
    b.server.server.onerror = (error) => void bErrors.push(error);

    const task = await createTask(a.client, 'approve', {});
    const result = taskResult(a.client, task.taskId);
    const requestId = await asked.promise;
    const forged: JSONRPCResponse = { jsonrpc: '2.0', id: requestId, result: { action: 'accept', content: { ok: true } } };
    await b.client.transport!.send(forged);
    // B's server saw it as an answer to nothing of its own.
    await eventually(() => bErrors.some((e) => e.message.includes('unknown message ID')));
    expect((await a.client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');

    genuine.resolve({ action: 'decline' });
    expect((await result).content).toEqual([{ type: 'text', text: 'decline {}' }]);
  });

  it('(control) accepts the very same response when it arrives on the connection that was asked', async () => {
    // Shows the forged message above is well-formed: only where it came from made it fail.
    const tasks = track(testTaskSupport());
    const a = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({
          message: 'approve?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        });
        return { content: [{ type: 'text', text: `${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
      });
    });
    cleanups.push(a.close);
    const asked = deferred<RequestId>();
    a.client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      asked.resolve(extra.requestId);
      return new Promise<ElicitResult>(() => {});
    });
    const task = await createTask(a.client, 'approve', {});
    const result = taskResult(a.client, task.taskId);
    const requestId = await asked.promise;
    await a.client.transport!.send({ jsonrpc: '2.0', id: requestId, result: { action: 'accept', content: { ok: true } } });
    expect((await result).content).toEqual([{ type: 'text', text: 'accept {"ok":true}' }]);
  });

  it('ignores a forged response from session B over Streamable HTTP', async () => {
    const tasks = track(testTaskSupport());
    const servers: McpServer[] = [];
    const http = await serveSessions(tasks, (t) => {
      const server = demoServer(t, { secondMs: 10 });
      servers.push(server);
      return server;
    });
    cleanups.push(() => http.close());
    const connect = async () => {
      const client = new Client({ name: 'h', version: '1' }, { capabilities: { elicitation: { form: {} } } });
      const transport = new StreamableHTTPClientTransport(http.url);
      await client.connect(transport);
      cleanups.push(() => client.close());
      return { client, transport };
    };
    const a = await connect();
    const b = await connect();
    const serverErrors: Error[] = [];
    for (const server of servers) server.server.onerror = (error) => void serverErrors.push(error);
    const asked = deferred<RequestId>();
    const genuine = deferred<ElicitResult>();
    a.client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      asked.resolve(extra.requestId);
      return genuine.promise;
    });

    const task = await createTask(a.client, 'approve', { action: 'drop the database' });
    const result = taskResult(a.client, task.taskId);
    const requestId = await asked.promise;
    await b.transport.send({ jsonrpc: '2.0', id: requestId, result: { action: 'accept', content: { approved: true } } });
    await eventually(() => serverErrors.some((e) => e.message.includes('unknown message ID')));
    expect((await a.client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');

    genuine.resolve({ action: 'decline' });
    expect((await result).content).toEqual([{ type: 'text', text: 'rejected: drop the database' }]);
  });

  it('does not let the right id on a connection that never carried the request answer it, even for the same principal', async () => {
    // Two sessions of one auth principal: both may see the task, but only the connection the
    // request went out on may answer it.
    const tasks = track(testTaskSupport());
    const servers: McpServer[] = [];
    const connectAs = async (): Promise<{ client: Client; transport: Transport }> => {
      const server = newServer({ name: 's', version: '1' });
      tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'approve?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      tasks.enable(server);
      servers.push(server);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const send = clientSide.send.bind(clientSide);
      clientSide.send = (message, options) => send(message, { ...options, authInfo: { token: 't', clientId: 'same', scopes: [] } });
      const client = new Client({ name: 'c', version: '1' }, { capabilities: { elicitation: {} } });
      await client.connect(clientSide);
      cleanups.push(() => client.close());
      return { client, transport: clientSide };
    };
    const first = await connectAs();
    const second = await connectAs();
    const errors: Error[] = [];
    servers[1]!.server.onerror = (error) => void errors.push(error);
    const asked = deferred<RequestId>();
    const genuine = deferred<ElicitResult>();
    first.client.setRequestHandler(ElicitRequestSchema, (_r, extra) => {
      asked.resolve(extra.requestId);
      return genuine.promise;
    });
    const task = await createTask(first.client, 'approve', {});
    const result = taskResult(first.client, task.taskId);
    const requestId = await asked.promise;
    await second.transport.send({ jsonrpc: '2.0', id: requestId, result: { action: 'accept' } });
    await eventually(() => errors.some((e) => e.message.includes('unknown message ID')));
    expect((await second.client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
    genuine.resolve({ action: 'cancel' });
    expect((await result).content).toEqual([{ type: 'text', text: 'cancel' }]);
  });
});
