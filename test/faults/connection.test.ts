import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { serveHttp } from '../../src/demo/httpServer.js';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { createTask, deferred, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Job tools plus `approve`, which elicits once and reports the answer. */
function registerTools(tasks: TaskSupport, jobs: Jobs, server: McpServer): void {
  jobs.register(tasks, server);
  tasks.registerTool(server, 'approve', { taskSupport: 'required', inputSchema: { action: z.string() } }, async ({ action }, task) => {
    const answer = await task.elicit({
      message: `approve ${action}?`,
      requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
    });
    return { content: [{ type: 'text', text: `${action}: ${answer.action}` }] };
  });
}

/** An in-memory session authenticated as `principal`, so a later session of the same principal reaches its tasks. */
async function sessionAs(tasks: TaskSupport, jobs: Jobs, principal: string) {
  const server = new McpServer({ name: 's', version: '1' });
  registerTools(tasks, jobs, server);
  tasks.enable(server);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) => send(message, { ...options, authInfo: { token: principal, clientId: principal, scopes: [] } });
  const client = new Client({ name: 'c', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  await client.connect(clientSide);
  cleanups.push(() => client.close());
  return { client, server };
}

/** Elicitation handler that records each request and leaves it unanswered until `answer` is called. */
function parkElicitations(client: Client) {
  const arrived: ElicitRequest[] = [];
  const answers: ((result: ElicitResult) => void)[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    arrived.push(request);
    const answer = deferred<ElicitResult>();
    answers.push(answer.resolve);
    return answer.promise;
  });
  return { arrived, answer: (result: ElicitResult) => answers.splice(0).forEach((resolve) => resolve(result)) };
}

describe('a client that goes away mid-call (in-memory transport)', () => {
  it('mid tasks/result: the call is dropped server-side, the task runs on and its result waits for the next call', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const jobs = new Jobs();
    const first = await sessionAs(tasks, jobs, 'alice');
    const task = await createTask(first.client, 'job', { key: 'r' });
    const pending = taskResult(first.client, task.taskId).catch((error: unknown) => error);
    await eventually(() => census(tasks).storeWaiters === 1);
    await first.client.close();
    expect(await pending).toBeInstanceOf(Error);
    // The server-side tasks/result let go of its waits; the work was not aborted.
    await eventually(() => census(tasks).storeWaiters === 0 && census(tasks).queueWaiters === 0);
    const job = await jobs.get('r');
    expect(job.task.signal.aborted).toBe(false);
    job.finish();

    const again = await sessionAs(tasks, jobs, 'alice');
    expect((await taskResult(again.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done r' }]);
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0, admitted: 0 });
  });

  it('mid elicitation: the request stays pending, is asked again on the next tasks/result, and the answer completes the task', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const jobs = new Jobs();
    const first = await sessionAs(tasks, jobs, 'bob');
    const firstDesk = parkElicitations(first.client);
    const task = await createTask(first.client, 'approve', { action: 'ship' });
    void taskResult(first.client, task.taskId).catch(() => {});
    await eventually(() => firstDesk.arrived.length === 1);
    await first.client.close();

    const again = await sessionAs(tasks, jobs, 'bob');
    expect((await again.client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
    const desk = parkElicitations(again.client);
    const result = taskResult(again.client, task.taskId);
    await eventually(() => desk.arrived.length === 1);
    expect(desk.arrived[0]!.params.message).toBe('approve ship?');
    desk.answer({ action: 'accept', content: { ok: true } });
    expect((await result).content).toEqual([{ type: 'text', text: 'ship: accept' }]);
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0, queueEntries: 0, queueWaiters: 0, storeWaiters: 0 });
  });

  it('a server transport closing with tasks live: the tasks run to their end, results kept, nothing thrown', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const jobs = new Jobs();
    const { client, server } = await sessionAs(tasks, jobs, 'carol');
    const created = await Promise.all(['t1', 't2', 't3'].map((key) => createTask(client, 'job', { key })));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(async () => void process.off('unhandledRejection', onUnhandled));
    await server.close();
    for (const key of ['t1', 't2', 't3']) {
      const job = await jobs.get(key);
      // Status updates try to reach the gone session: they must fail quietly.
      await job.task.status('still going');
      job.finish();
    }
    const again = await sessionAs(tasks, jobs, 'carol');
    for (const [i, task] of created.entries()) {
      expect((await taskResult(again.client, task.taskId)).content).toEqual([{ type: 'text', text: `done t${i + 1}` }]);
    }
    expect(unhandled).toEqual([]);
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0 });
  });
});

describe('a client that goes away mid-call (Streamable HTTP)', () => {
  async function httpSetUp() {
    const tasks = testTaskSupport();
    const jobs = new Jobs();
    const http = await serveHttp(
      tasks,
      (t) => {
        const server = new McpServer({ name: 'h', version: '1' });
        registerTools(t, jobs, server);
        t.enable(server);
        return server;
      },
      { port: 0 },
    );
    cleanups.push(
      () => tasks.close(),
      () => http.close(),
    );
    const connect = async (sessionId?: string) => {
      const client = new Client({ name: 'h', version: '1' }, { capabilities: { elicitation: { form: {} } } });
      const transport = new StreamableHTTPClientTransport(new URL(http.url), sessionId ? { sessionId } : {});
      await client.connect(transport);
      cleanups.push(() => client.close());
      return { client, sessionId: transport.sessionId! };
    };
    return { tasks, jobs, connect };
  }

  it('mid tasks/result: the dropped HTTP stream costs nothing, a new call in the same session gets the result', async () => {
    const { tasks, jobs, connect } = await httpSetUp();
    const first = await connect();
    const task = await createTask(first.client, 'job', { key: 'h1' });
    void taskResult(first.client, task.taskId).catch(() => {});
    await eventually(() => census(tasks).storeWaiters === 1);
    await first.client.close();
    (await jobs.get('h1')).finish();
    const resumed = await connect(first.sessionId);
    expect((await taskResult(resumed.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done h1' }]);
    await eventually(() => census(tasks).storeWaiters === 0 && census(tasks).queueWaiters === 0);
  });

  it('mid elicitation: resuming the session and calling tasks/result again asks again, and the answer completes the task', async () => {
    const { tasks, connect } = await httpSetUp();
    const first = await connect();
    const firstDesk = parkElicitations(first.client);
    const task = await createTask(first.client, 'approve', { action: 'deploy' });
    void taskResult(first.client, task.taskId).catch(() => {});
    await eventually(() => firstDesk.arrived.length === 1);
    await first.client.close();

    const resumed = await connect(first.sessionId);
    const desk = parkElicitations(resumed.client);
    const result = taskResult(resumed.client, task.taskId);
    await eventually(() => desk.arrived.length === 1, 3000);
    desk.answer({ action: 'decline' });
    expect((await result).content).toEqual([{ type: 'text', text: 'deploy: decline' }]);
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0, queueEntries: 0 });
  });
});
