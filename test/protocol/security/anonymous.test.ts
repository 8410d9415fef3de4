import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport, TaskSupportOptions } from '../../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../../support/harness.js';
import { serveStateless } from '../../support/httpServers.js';
import { Jobs } from '../../support/jobs.js';
import { rpcError } from '../../support/session.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A stateless Streamable HTTP endpoint of the suite's SDK line: no session ids, a new McpServer for
 * every POST, one TaskSupport behind them all. `Authorization: Bearer <name>` authenticates as
 * client `<name>`.
 */
async function statelessServer(options: TaskSupportOptions = {}): Promise<{ url: URL; tasks: TaskSupport; jobs: Jobs }> {
  const tasks = testTaskSupport(options);
  const jobs = new Jobs();
  const served = await serveStateless(tasks, (server) => jobs.register(tasks, server), bearer);
  cleanups.push(async () => {
    await tasks.close();
    await served.close();
  });
  return { url: served.url, tasks, jobs };
}

function bearer(headers: Headers): AuthInfo | undefined {
  const match = /^Bearer (\S+)$/.exec(headers.get('authorization') ?? '');
  return match ? { token: match[1]!, clientId: match[1]!, scopes: [] } : undefined;
}

async function connect(url: URL, token?: string): Promise<Client> {
  const client = new Client({ name: 'anon', version: '1' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  cleanups.push(() => client.close());
  return client;
}

describe('callers that cannot be identified (stateless HTTP, no auth)', () => {
  it('does not advertise tasks.list, refuses tasks/list with -32601, and lets the task id alone reach the task', async () => {
    const { url, jobs } = await statelessServer();
    const creator = await connect(url);
    const capabilities = creator.getServerCapabilities()?.tasks;
    expect(capabilities).toEqual({ cancel: {}, requests: { tools: { call: {} } } });
    expect(capabilities).not.toHaveProperty('list');

    const task = await createTask(creator, 'job', { key: 'anon' });
    // Every request is a new connection: a different client with the id is the same "nobody".
    const holder = await connect(url);
    expect((await holder.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    const refused = await rpcError(holder.experimental.tasks.listTasks());
    expect(refused.code).toBe(ErrorCode.MethodNotFound);
    expect(refused.message).toMatch(/task ids are the only capability/);
    (await jobs.get('anon')).finish();
    expect((await taskResult(holder, task.taskId)).content).toEqual([{ type: 'text', text: 'done anon' }]);
    // Without the id there is nothing to find.
    expect((await rpcError(holder.experimental.tasks.getTask('B'.repeat(22)))).code).toBe(ErrorCode.InvalidParams);
  });

  it('binds to the principal when the stateless requests carry auth: tasks.list advertised, other principals refused', async () => {
    const { url } = await statelessServer();
    const alice = await connect(url, 'alice');
    expect(alice.getServerCapabilities()?.tasks).toHaveProperty('list');
    const task = await createTask(alice, 'job', { key: 'a' });
    const aliceAgain = await connect(url, 'alice');
    expect((await aliceAgain.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
    const bob = await connect(url, 'bob');
    expect((await rpcError(bob.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
    expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);
    // An anonymous caller is nobody's principal either.
    const nobody = await connect(url);
    expect((await rpcError(nobody.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it("with unidentifiedCallers: 'connection', binds each stateless request to itself (the task is then out of reach)", async () => {
    const { url } = await statelessServer({ unidentifiedCallers: 'connection' });
    const client = await connect(url);
    expect(client.getServerCapabilities()?.tasks).toHaveProperty('list');
    const task = await createTask(client, 'quick', { text: 'lost' });
    expect((await rpcError(client.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it("keeps binding stdio-like connections to themselves under 'auto', and makes them anonymous under 'anonymous'", async () => {
    const auto = testTaskSupport();
    const anonymous = testTaskSupport({ unidentifiedCallers: 'anonymous' });
    cleanups.push(
      () => auto.close(),
      () => anonymous.close(),
    );
    const jobs = new Jobs();
    const a1 = await connectInMemory(auto, (server) => jobs.register(auto, server));
    const a2 = await connectInMemory(auto, (server) => jobs.register(auto, server));
    const n1 = await connectInMemory(anonymous, (server) => jobs.register(anonymous, server));
    const n2 = await connectInMemory(anonymous, (server) => jobs.register(anonymous, server));
    cleanups.push(a1.close, a2.close, n1.close, n2.close);

    expect(a1.client.getServerCapabilities()?.tasks).toHaveProperty('list');
    const own = await createTask(a1.client, 'quick', { text: 'x' });
    expect((await rpcError(a2.client.experimental.tasks.getTask(own.taskId))).code).toBe(ErrorCode.InvalidParams);

    expect(n1.client.getServerCapabilities()?.tasks).not.toHaveProperty('list');
    const shared = await createTask(n1.client, 'quick', { text: 'y' });
    expect((await taskResult(n2.client, shared.taskId)).content).toEqual([{ type: 'text', text: 'y' }]);
    expect((await rpcError(n1.client.experimental.tasks.listTasks())).code).toBe(ErrorCode.MethodNotFound);
  });
});
