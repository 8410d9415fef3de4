/**
 * A task subscription (`subscriptions/listen` with `taskIds`, 2026-07-28, SDK v2 server behind
 * `tasks.withTaskSubscriptions`) hears of every change of a task's outstanding input requests, not
 * only of its status: a second ask while the task is already `input_required`, and an answer that
 * leaves another request waiting, store no status (the task machine only remembers them), yet each
 * notification must be the DetailedTask `tasks/get` answers then, `inputRequests` listing every
 * outstanding request (draft tasks.md, "Task Status Notifications"). Before the fix the subscriber
 * saw the first request only and, waiting for notifications, never learnt of the second until the
 * ttl. Runs in memory, on Redis (one instance: changes are watched where the task runs), on a Redis
 * Cluster, and split into a worker pool's front (the listen) and worker (the work).
 */
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../../support/harness.js';
import { ElicitationDesk } from '../../support/elicitationDesk.js';
import { rawModernRequest, serveFetch } from '../../sdk/v2/harness.js';
import { openListen, withExtension } from '../../sdk/v2/rawListen.js';
import type { RawListen } from '../../sdk/v2/rawListen.js';

const caps = { ...withExtension, elicitation: { form: {} } };
const form = { type: 'object' as const, properties: {} };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function taskSupport(): TaskSupport {
  const tasks = testTaskSupport();
  cleanups.push(() => tasks.close());
  return tasks;
}

/** A server whose `twoAsks` tool asks `first`, waits for `release`, then asks `second` while the first still waits. */
async function serve(tasks: TaskSupport, release: Promise<void>): Promise<URL> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'listen-inputs', version: '1.0.0' });
    tasks.registerTool(server, 'twoAsks', { taskSupport: 'required' }, async (_args, task) => {
      const first = task.elicit({ message: 'first', requestedSchema: form });
      await release;
      const second = task.elicit({ message: 'second', requestedSchema: form });
      const answers = await Promise.all([first, second]);
      return { content: [{ type: 'text', text: answers.map((answer) => answer.action).join(' ') }] };
    });
    return server;
  });
  const fetch = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
  const served = await serveFetch((request) => fetch(request, undefined));
  cleanups.push(async () => {
    await handler.close();
    await served.close();
  });
  return served.url;
}

/** A server whose `bothAsks` tool asks `first` and `second` at once. */
async function serveBoth(tasks: TaskSupport): Promise<URL> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'listen-inputs', version: '1.0.0' });
    tasks.registerTool(server, 'bothAsks', { taskSupport: 'required' }, async (_args, task) => {
      const asks = ['first', 'second'].map((message) => task.elicit({ message, requestedSchema: form }));
      const answers = await Promise.all(asks);
      return { content: [{ type: 'text', text: answers.map((answer) => answer.action).join(' ') }] };
    });
    return server;
  });
  const fetch = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
  const served = await serveFetch((request) => fetch(request, undefined));
  cleanups.push(async () => {
    await handler.close();
    await served.close();
  });
  return served.url;
}

/** The next `notifications/tasks` params on the stream, or undefined when none comes within `ms`. */
async function nextTask(stream: RawListen, ms = 2_000): Promise<Record<string, unknown> | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    const next = await Promise.race([stream.next(), timeout]);
    return next?.['params'] as Record<string, unknown> | undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The message of each outstanding request of a DetailedTask, sorted (Redis keeps them in a hash: no order). */
function asked(task: Record<string, unknown> | undefined): string[] {
  const requests = (task?.['inputRequests'] ?? {}) as Record<string, { params: { message: string } }>;
  return Object.values(requests)
    .map((request) => request.params.message)
    .sort();
}

function keyOf(task: Record<string, unknown> | undefined, message: string): string {
  const requests = (task?.['inputRequests'] ?? {}) as Record<string, { params: { message: string } }>;
  return Object.entries(requests).find(([, request]) => request.params.message === message)![0];
}

describe('a task subscription', () => {
  test('is told of a second ask while input_required, of an answer that leaves one waiting, then of the end', async () => {
    const tasks = taskSupport();
    let release!: () => void;
    const url = await serve(tasks, new Promise<void>((resolve) => (release = resolve)));
    const created = await rawModernRequest(url, 'tools/call', { name: 'twoAsks', arguments: {} }, caps);
    const taskId = created.result!['taskId'] as string;
    const stream = await openListen(url, { taskIds: [taskId] }, { capabilities: caps });
    cleanups.push(async () => stream.close());
    expect(await stream.next()).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });

    // Working (maybe), then input_required with the first ask.
    let task = await nextTask(stream);
    if (task?.['status'] === 'working') task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'input_required' });
    expect(asked(task)).toEqual(['first']);
    const firstKey = keyOf(task, 'first');

    // The second ask: no status change, yet the subscriber hears of both requests.
    release();
    task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'input_required' });
    expect(asked(task)).toEqual(['first', 'second']);
    // Identical to what tasks/get answers now.
    const polled = await rawModernRequest(url, 'tasks/get', { taskId }, caps);
    expect(Object.keys(polled.result!['inputRequests'] as object).sort()).toEqual(Object.keys(task!['inputRequests'] as object).sort());

    // The first answered: the second still waits, and the subscriber is told it is the only one.
    const answer = { action: 'accept', content: {} };
    await rawModernRequest(url, 'tasks/update', { taskId, inputResponses: { [firstKey]: answer } }, caps);
    task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'input_required' });
    expect(asked(task)).toEqual(['second']);
    const secondKey = keyOf(task, 'second');

    // The last answered: working (maybe), then completed; no input_required again.
    await rawModernRequest(url, 'tasks/update', { taskId, inputResponses: { [secondKey]: answer } }, caps);
    task = await nextTask(stream);
    if (task?.['status'] === 'working') task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'completed', result: { content: [{ type: 'text', text: 'accept accept' }] } });
  });

  // Apart from the second ask above: both asked at once are seen together, as they were before the
  // fix too; what is checked here is the answer that changes the outstanding requests alone.
  test('is told when an answer leaves another request waiting', async () => {
    const tasks = taskSupport();
    const url = await serveBoth(tasks);
    const created = await rawModernRequest(url, 'tools/call', { name: 'bothAsks', arguments: {} }, caps);
    const taskId = created.result!['taskId'] as string;
    // Both asked before the listen: its first notification is the current DetailedTask.
    for (let tries = 0; ; tries++) {
      const polled = await rawModernRequest(url, 'tasks/get', { taskId }, caps);
      if (asked(polled.result).length === 2) break;
      expect(tries).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stream = await openListen(url, { taskIds: [taskId] }, { capabilities: caps });
    cleanups.push(async () => stream.close());
    expect(await stream.next()).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });
    let task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'input_required' });
    expect(asked(task)).toEqual(['first', 'second']);

    const answer = { action: 'decline' };
    await rawModernRequest(url, 'tasks/update', { taskId, inputResponses: { [keyOf(task, 'second')]: answer } }, caps);
    task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'input_required' });
    expect(asked(task)).toEqual(['first']);

    await rawModernRequest(url, 'tasks/update', { taskId, inputResponses: { [keyOf(task, 'first')]: answer } }, caps);
    task = await nextTask(stream);
    if (task?.['status'] === 'working') task = await nextTask(stream);
    expect(task).toMatchObject({ taskId, status: 'completed', result: { content: [{ type: 'text', text: 'decline decline' }] } });
  });
});

// A worker pool's worker reports such a change to the front as the task's status again (unchanged):
// the front's subscriptions read the task again, but a 2025-11-25 client of the task is not sent
// that status twice. Without the split nothing is reported, so the same holds trivially.
test('a second ask sends a 2025-11-25 client no status notification of its own', async () => {
  const tasks = taskSupport();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'twoAsks', { taskSupport: 'required' }, async (_args, task) => {
      const first = task.elicit({ message: 'model-elicitation:first', requestedSchema: form });
      await released;
      const second = task.elicit({ message: 'model-elicitation:second', requestedSchema: form });
      // Stored after the second ask is told (the task's write order): marks the end of what it sent.
      await task.status('after the second ask');
      await Promise.all([first, second]);
      return { content: [] };
    });
  });
  const desk = new ElicitationDesk(session.client);
  cleanups.push(async () => {
    desk.releaseAll();
    await session.close();
  });
  const { taskId } = await createTask(session.client, 'twoAsks', {});
  const messages = (): (string | undefined)[] =>
    session.notifications
      .filter((n) => n.method === 'notifications/tasks/status' && (n.params as { taskId?: string }).taskId === taskId)
      .map((n) => (n.params as { statusMessage?: string }).statusMessage);
  await eventually(() => messages().length === 1);
  release();
  await eventually(() => messages().includes('after the second ask'));
  expect(messages()).toEqual(['Waiting for input', 'after the second ask']);
});
