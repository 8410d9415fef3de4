import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { answerWith, registerAskingTools } from '../../support/askingTools.js';
import { createTask, eventually, newServer, serverSdkLine, taskResult, testTaskSupport, workerSplit } from '../../support/harness.js';
import { serveSessions } from '../../support/httpServers.js';
import type { ServedHttp } from '../../support/httpServers.js';

/*
 * Issue 18 §1 over real Streamable HTTP, on the suite's SDK line (on v2: a 2025-11-25 session of a
 * v2 server): an input request of a task with no tasks/result open travels on the session's
 * standalone GET stream. Seen from the wire: the client's fetch records what each GET stream carried.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(): Promise<{ tasks: TaskSupport; http: ServedHttp }> {
  const tasks = testTaskSupport();
  const http = await serveSessions(tasks, (t) => {
    const server = newServer();
    registerAskingTools(t, server);
    t.enable(server);
    return server;
  });
  cleanups.push(
    () => tasks.close(),
    () => http.close(),
  );
  return { tasks, http };
}

/**
 * An SDK v1 client whose fetch copies every GET (standalone) stream's text into `getStreams`;
 * `standalone: false` answers its GET with 405. `dropGet()` cuts the open GET stream as a network
 * would and refuses the client's later GETs (its reconnection), so the session has none.
 */
async function connect(url: URL, standalone: boolean): Promise<{ client: Client; getStreams: string[]; dropGet(): void }> {
  const getStreams: string[] = [];
  const cut = new AbortController();
  const recording: typeof fetch = async (input, init) => {
    if (init?.method !== 'GET') return fetch(input, init);
    if (!standalone || cut.signal.aborted) return new Response(null, { status: 405 });
    const signal = init.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal;
    const response = await fetch(input, { ...init, signal });
    if (!response.body) return response;
    const index = getStreams.push('') - 1;
    const [mine, theirs] = response.body.tee();
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of mine) getStreams[index] += decoder.decode(chunk, { stream: true });
    })().catch(() => {});
    return new Response(theirs, { status: response.status, headers: response.headers });
  };
  const client = new Client({ name: 'standalone', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  await client.connect(new StreamableHTTPClientTransport(url, { fetch: recording }));
  cleanups.push(() => client.close());
  return { client, getStreams, dropGet: () => cut.abort() };
}

describe(`an input request with no tasks/result open, over Streamable HTTP (SDK ${serverSdkLine} server)`, () => {
  it('arrives on the session’s standalone GET stream, once, with the related-task _meta, after the client polled the task', async () => {
    const { tasks, http } = await serve();
    const { client, getStreams } = await connect(http.url, true);
    const asked: ElicitRequest[] = [];
    answerWith(client, {
      elicit: (request) => {
        asked.push(request);
        return { action: 'accept', content: { value: 'from the GET stream' } };
      },
    });
    const task = await createTask(client, 'ask', { key: 'get' });
    if (workerSplit) {
      // The work runs on a worker, which holds no stream of this session: the request waits in the
      // task's queue, and tasks/result delivers it.
      await eventually(async () => (await client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
      expect(getStreams.join('')).not.toContain('"method":"elicitation/create"');
      expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'from the GET stream' }]);
      expect(asked).toHaveLength(1);
      return;
    }
    // Not before this client showed it has the task: it reads the GET stream apart from the POST
    // that brought the CreateTaskResult, so a push could overtake that answer, and a requester drops
    // a request naming a task it does not know (ext-tasks 0.2.2 did, on a busy machine).
    await eventually(async () => (await tasks.store.get(task.taskId))?.status === 'input_required');
    await new Promise((r) => setTimeout(r, 150));
    expect(asked).toEqual([]);
    expect(getStreams.join('')).not.toContain('"method":"elicitation/create"');
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
    await eventually(() => asked.length === 1);
    expect(asked[0]!.params._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
    // It came on the GET stream: no POST of this client was open to carry it.
    expect(getStreams.join('')).toContain('"method":"elicitation/create"');
    expect(getStreams.join('')).toContain(task.taskId);
    await eventually(async () => (await client.experimental.tasks.getTask(task.taskId)).status === 'completed');
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'from the GET stream' }]);
    expect(asked).toHaveLength(1);
  });

  it('(control) stays queued for tasks/result when the client has no standalone stream', async () => {
    const { tasks, http } = await serve();
    const { client, getStreams } = await connect(http.url, false);
    const asked: ElicitRequest[] = [];
    answerWith(client, {
      elicit: (request) => {
        asked.push(request);
        return { action: 'accept', content: { value: 'from tasks/result' } };
      },
    });
    const task = await createTask(client, 'ask', { key: 'none' });
    await eventually(async () => (await client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toEqual([]);
    expect(getStreams).toEqual([]);
    const queued = await tasks.queue.dequeueAll(task.taskId);
    expect(queued.map((m) => m.kind)).toEqual(['request']);
    await tasks.queue.requeue(task.taskId, queued);
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'from tasks/result' }]);
    expect(asked).toHaveLength(1);
  });

  it('stays queued for tasks/result when the GET stream was lost before the task asked', async () => {
    const { tasks, http } = await serve();
    const { client, getStreams, dropGet } = await connect(http.url, true);
    const asked: ElicitRequest[] = [];
    answerWith(client, {
      elicit: (request) => {
        asked.push(request);
        return { action: 'accept', content: { value: 'after the loss' } };
      },
    });
    await eventually(() => getStreams.length === 1);
    dropGet();
    // The server notices the loss (the HTTP host cancels the response body) before the task asks.
    await new Promise((r) => setTimeout(r, 200));
    const task = await createTask(client, 'ask', { key: 'lost' });
    await eventually(async () => (await client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toEqual([]);
    expect((await tasks.queue.outstanding(task.taskId)).length + (await queuedCount(tasks, task.taskId))).toBeGreaterThan(0);
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'after the loss' }]);
    expect(asked).toHaveLength(1);
  });
});

async function queuedCount(tasks: TaskSupport, taskId: string): Promise<number> {
  const queued = await tasks.queue.dequeueAll(taskId);
  await tasks.queue.requeue(taskId, queued);
  return queued.length;
}
