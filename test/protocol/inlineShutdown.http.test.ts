import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, deferred, newServer, serverSdkLine, testTaskSupport } from '../support/harness.js';
import { serveSessions } from '../support/httpServers.js';
import type { ServedHttp } from '../support/httpServers.js';

/*
 * TaskSupport.close with an `optional` tool's call running inline (no `task`), over real Streamable
 * HTTP on the suite's SDK line, spoken to by the SDK v1 client, closed as the demo does on SIGTERM:
 * the TaskSupport first, then the HTTP endpoint. Before, close left the inline run alone and the
 * endpoint's close ended its stream unanswered: the client waited out its request timeout.
 */

/** The client's request timeout here: short, so the old hang fails the test rather than stalling it for 60 s. */
const CLIENT_TIMEOUT_MS = 5000;
/** What "at once" means below: the call is answered (and close resolves) well inside this. */
const PROMPTLY_MS = 1000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Served {
  tasks: TaskSupport;
  http: ServedHttp;
  client: Client;
  /** Resolves with the work's signal once a call of `hold` has begun its work. */
  started: Promise<AbortSignal>;
}

/**
 * `hold` (optional): `mode: 'cooperative'` waits until its signal aborts, then throws its reason;
 * `'ignore'` never ends, whatever its signal says.
 */
async function serve(): Promise<Served> {
  const tasks = testTaskSupport();
  const started = deferred<AbortSignal>();
  const http = await serveSessions(tasks, (t) => {
    const server = newServer();
    t.registerTool(
      server,
      'hold',
      { taskSupport: 'optional', inputSchema: { mode: z.enum(['cooperative', 'ignore']) } },
      ({ mode }, task) => {
        started.resolve(task.signal);
        return new Promise((_, reject) => {
          if (mode === 'cooperative') task.signal.addEventListener('abort', () => reject(task.signal.reason as Error), { once: true });
        });
      },
    );
    return server;
  });
  cleanups.push(
    () => tasks.close(),
    () => http.close(),
  );
  const client = new Client({ name: 'inline-shutdown', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(http.url));
  cleanups.push(() => client.close());
  return { tasks, http, client, started: started.promise };
}

/** The call's outcome and how long after `since()` it came. */
function outcomeOf(call: Promise<unknown>, since: () => number): Promise<{ error: unknown; afterMs: number }> {
  return call.then(
    () => ({ error: new Error('the call was answered with a result'), afterMs: Date.now() - since() }),
    (error: unknown) => ({ error, afterMs: Date.now() - since() }),
  );
}

/** Closes as the demo does on SIGTERM (src/demo/main.ts): tasks, then the endpoint; returns when it began and how long tasks.close took. */
async function shutDown({ tasks, http }: Served): Promise<{ began: number; tasksCloseMs: number }> {
  const began = Date.now();
  await tasks.close();
  const tasksCloseMs = Date.now() - began;
  await http.close();
  return { began, tasksCloseMs };
}

/**
 * Makes a call of `hold` (given the client's timeout), waits for its work to begin, then closes as
 * on SIGTERM: the call's outcome and how long after the close began it came, its work's signal
 * (and whether it was aborted before the close), and how long `tasks.close()` took.
 */
async function closedDuring(served: Served, call: (timeout: number) => Promise<unknown>) {
  let began = Infinity;
  const outcome = outcomeOf(call(CLIENT_TIMEOUT_MS), () => began);
  const signal = await served.started;
  const abortedAtStart = signal.aborted;
  const closing = shutDown(served);
  began = Date.now();
  const { error, afterMs } = await outcome;
  const { tasksCloseMs } = await closing;
  return { error, afterMs, signal, abortedAtStart, tasksCloseMs };
}

function expectShutdownError(error: unknown): void {
  expect(error).toBeInstanceOf(McpError);
  expect(error).toMatchObject({
    code: -32603,
    message: expect.stringMatching(/Server is shutting down: the call of tool hold was stopped/) as string,
  });
}

describe(`TaskSupport.close with an inline tool call in flight, over Streamable HTTP (SDK ${serverSdkLine} server)`, () => {
  it('answers the call at once with -32603 "Server is shutting down" and aborts its work’s signal with that error', async () => {
    const served = await serve();
    const closed = await closedDuring(served, (timeout) =>
      served.client.callTool({ name: 'hold', arguments: { mode: 'cooperative' } }, undefined, { timeout }),
    );
    expect(closed.abortedAtStart).toBe(false);
    expectShutdownError(closed.error);
    expect(closed.afterMs).toBeLessThan(PROMPTLY_MS);
    expect(closed.signal.aborted).toBe(true);
    expect(closed.signal.reason).toMatchObject({ code: -32603, message: expect.stringMatching(/shutting down/) as string });
  });

  it('does not wait for a work that ignores its signal: close resolves and the call is answered at once', async () => {
    const served = await serve();
    const closed = await closedDuring(served, (timeout) =>
      served.client.callTool({ name: 'hold', arguments: { mode: 'ignore' } }, undefined, { timeout }),
    );
    expect(closed.tasksCloseMs).toBeLessThan(PROMPTLY_MS);
    expectShutdownError(closed.error);
    expect(closed.afterMs).toBeLessThan(PROMPTLY_MS);
    expect(closed.signal.aborted).toBe(true);
  });

  it('refuses an inline call that arrives once close began, without running its work', async () => {
    const served = await serve();
    await served.tasks.close();
    let ran = false;
    void served.started.then(() => (ran = true));
    const { error } = await outcomeOf(
      served.client.callTool({ name: 'hold', arguments: { mode: 'ignore' } }, undefined, { timeout: CLIENT_TIMEOUT_MS }),
      () => 0,
    );
    expectShutdownError(error);
    expect(ran).toBe(false);
  });

  it('answers an extension client’s call of it at once too, while it still runs inline (before promoteAfter)', async () => {
    // The extension runs an optional tool as a task from the start, answered inline until promoted:
    // its answer came from the store after close had failed the task, once the stream had closed.
    const served = await serve();
    const closed = await closedDuring(served, (timeout) =>
      served.client.request(
        {
          method: 'tools/call',
          params: {
            name: 'hold',
            arguments: { mode: 'cooperative' },
            _meta: { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } },
          },
        },
        CallToolResultSchema,
        { timeout },
      ),
    );
    expectShutdownError(closed.error);
    expect(closed.afterMs).toBeLessThan(PROMPTLY_MS);
    expect(closed.signal.aborted).toBe(true);
  });

  it('leaves a task-augmented call of the same tool as it was: answered at once with its task, which close fails', async () => {
    const served = await serve();
    const task = await createTask(served.client, 'hold', { mode: 'cooperative' });
    const signal = await served.started;
    await served.tasks.close();
    expect(signal.aborted).toBe(true);
    expect(await served.tasks.store.get(task.taskId)).toMatchObject({
      status: 'failed',
      statusMessage: 'Server shut down before the task finished',
    });
    expect(await served.tasks.store.getOutcome(task.taskId)).toMatchObject({ type: 'error', error: { code: -32603 } });
  });
});
