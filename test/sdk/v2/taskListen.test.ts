/**
 * `subscriptions/listen` with `notifications.taskIds` (tasks extension, 2026-07-28) on a stateless SDK v2
 * server whose fetch entry point is wrapped by `tasks.withTaskSubscriptions`: the listen goes over raw
 * HTTP (the v2 client has no listen API for taskIds), the task's other requests through the v2 client.
 */
import { getEventListeners } from 'node:events';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { taskListenFetch } from '../../../src/sdk/v2/taskListen.js';
import { MODERN, TASKS_EXTENSION, modernClient, rawModernRequest, serveFetch } from './harness.js';
import { openListen } from './rawListen.js';
import type { RawListen } from './rawListen.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opens the `approve` tool's gate: it waits there, so a listen opened first sees every change. */
let openGate: () => void = () => {};

const withExtension = { elicitation: { form: {} }, extensions: { [TASKS_EXTENSION]: {} } };

async function setUp(): Promise<{ url: URL; tasks: TaskSupport }> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'listen-test', version: '1.0.0' });
    tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
      await new Promise<void>((resolve) => (openGate = resolve));
      await task.progress(1, 3, 'asking');
      await task.log('info', 'about to ask');
      await task.status('waiting for a human');
      const answer = await task.elicit({
        message: 'Approve?',
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      });
      await task.progress(3, 3, 'done');
      return { content: [{ type: 'text', text: `answer: ${answer.action}` }] };
    });
    tasks.enable(server);
    return server;
  });
  const wrapped = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
  // A principal per `x-user` header, as a bearer token would give (none: anonymous).
  const served = await serveFetch((request) => {
    const user = request.headers.get('x-user');
    return wrapped(request, user ? { authInfo: { token: user, clientId: user, scopes: [] } } : undefined);
  });
  cleanups.push(async () => {
    await handler.close();
    await served.close();
  });
  return { url: served.url, tasks };
}

/** A raw 2026-07-28 `subscriptions/listen` POST (rawListen.ts), closed when the test ends. */
async function listen(
  url: URL,
  notifications: Record<string, unknown>,
  capabilities: Record<string, unknown> = withExtension,
  user?: string,
): Promise<RawListen> {
  const opened = await openListen(url, notifications, { headers: user ? { 'x-user': user } : {}, capabilities, id: 'sub-1' });
  cleanups.push(async () => opened.close());
  return opened;
}

describe('subscriptions/listen with notifications/tasks (SDK v2, 2026-07-28)', () => {
  test('acknowledges the caller’s task ids, then sends a full DetailedTask per status change, and nothing else', async () => {
    const { url } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: {} }, withExtension);
    const taskId = created.result!['taskId'] as string;
    const stream = await listen(url, { taskIds: [taskId, 'no-such-task'] });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream');
    const subscription = { 'io.modelcontextprotocol/subscriptionId': 'sub-1' };
    expect(await stream.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { taskIds: [taskId] }, _meta: subscription },
    });

    // The task's state now, then each change: its status message, then input_required; no progress, no log.
    expect(await stream.next()).toMatchObject({
      method: 'notifications/tasks',
      params: { taskId, status: 'working', _meta: subscription },
    });
    openGate();
    expect(await stream.next()).toMatchObject({
      method: 'notifications/tasks',
      params: { taskId, status: 'working', statusMessage: 'waiting for a human', _meta: subscription },
    });
    let message = await stream.next();
    expect(message).toMatchObject({
      method: 'notifications/tasks',
      params: {
        taskId,
        status: 'input_required',
        statusMessage: expect.any(String),
        createdAt: expect.any(String),
        lastUpdatedAt: expect.any(String),
        ttlMs: expect.any(Number),
        inputRequests: expect.any(Object),
        _meta: subscription,
      },
    });
    const key = Object.keys((message['params'] as { inputRequests: object }).inputRequests)[0]!;

    const client = await modernClient(url, true);
    cleanups.push(() => client.close());
    await client.request(
      { method: 'tasks/update', params: { taskId, inputResponses: { [key]: { action: 'accept', content: { ok: true } } } } },
      z.looseObject({}),
    );
    message = await stream.next();
    while ((message['params'] as { status?: string }).status === 'working') message = await stream.next();
    expect(message).toMatchObject({
      jsonrpc: '2.0',
      method: 'notifications/tasks',
      params: { taskId, status: 'completed', result: { content: [{ type: 'text', text: 'answer: accept' }] }, _meta: subscription },
    });
    stream.close();
  });

  test('a listen for taskIds from a client without the extension is -32021 with requiredCapabilities', async () => {
    const { url } = await setUp();
    const stream = await listen(url, { taskIds: ['x'] }, {});
    expect(stream.status).toBe(200);
    expect(await stream.next()).toMatchObject({
      id: 'sub-1',
      error: { code: -32021, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } },
    });
  });

  test('bad taskIds are -32602; a listen without taskIds still goes to v2', async () => {
    const { url } = await setUp();
    const bad = await listen(url, { taskIds: 'x' });
    expect(await bad.next()).toMatchObject({ id: 'sub-1', error: { code: -32602 } });
    const plain = await listen(url, { toolsListChanged: true });
    // v2's own listen router answers: its acknowledgement carries no taskIds.
    const ack = await plain.next();
    expect(ack).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });
    expect((ack['params'] as { notifications: object }).notifications).not.toHaveProperty('taskIds');
    plain.close();
  });

  test('closing TaskSupport ends the stream with the listen result', async () => {
    const { url, tasks } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: {} }, withExtension);
    const taskId = created.result!['taskId'] as string;
    const stream = await listen(url, { taskIds: [taskId] });
    expect(await stream.next()).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { taskIds: [taskId] } },
    });
    await tasks.close();
    let message = await stream.next();
    while ('method' in message) message = await stream.next();
    expect(message).toMatchObject({ id: 'sub-1', result: { resultType: 'complete' } });
  });

  test('only the caller’s own tasks are followed: another principal’s id is left out like an unknown one', async () => {
    const { url } = await setUp();
    const created = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'approve',
        'x-user': 'alice',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'approve',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': withExtension,
          },
        },
      }),
    });
    const taskId = ((await created.json()) as { result: { taskId: string } }).result.taskId;
    const mallory = await listen(url, { taskIds: [taskId] }, withExtension, 'mallory');
    expect(await mallory.next()).toMatchObject({ params: { notifications: { taskIds: [] } } });
    mallory.close();
    const alice = await listen(url, { taskIds: [taskId] }, withExtension, 'alice');
    expect(await alice.next()).toMatchObject({ params: { notifications: { taskIds: [taskId] } } });
    expect(await alice.next()).toMatchObject({ method: 'notifications/tasks', params: { taskId, status: 'working' } });
    alice.close();
  });
});

describe('the end of a subscription', () => {
  /** A raw listen for `taskIds`, as `listen` above sends it, on `signal` (the client's connection). */
  const listenRequest = (signal: AbortSignal): Request =>
    new Request('http://localhost/mcp', {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'sub-1', method: 'subscriptions/listen', params: { notifications: { taskIds: ['t'] } } }),
    });

  test('takes its listeners off the closing signal and the request signal, however the stream ends', async () => {
    // The closing signal lives as long as the TaskSupport: whatever a listen leaves there is never freed.
    const closing = new AbortController();
    const fetch = taskListenFetch(async () => new Response('not ours'), {
      asksForTasks: () => true,
      listen: async () => ['t'],
      errorShape: () => ({ code: -32603, message: 'Internal error' }),
      closed: closing.signal,
    });
    const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;
    const open: { client: AbortController; request: Request; reader: ReadableStreamDefaultReader<Uint8Array> }[] = [];
    for (let i = 0; i < 10; i++) {
      const client = new AbortController();
      const request = listenRequest(client.signal);
      const response = await fetch(request);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const reader = response.body!.getReader();
      await reader.read(); // the acknowledgement
      open.push({ client, request, reader });
    }
    expect(listeners(closing.signal)).toBe(10); // one per live subscription …

    // … and none once each has ended: half by the client going away, half by the reader letting go.
    for (const [i, { client, reader }] of open.entries()) {
      if (i % 2 === 0) client.abort();
      else await reader.cancel();
    }
    expect(listeners(closing.signal)).toBe(0);
    expect(open.map(({ request }) => listeners(request.signal))).toEqual(open.map(() => 0));
  });
});
