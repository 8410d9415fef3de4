/**
 * Who a task subscription (`subscriptions/listen` with `taskIds`, 2026-07-28) is served as, and how
 * much one caller may hold: its owner is the caller every other 2026-07-28 request of v2 is (its
 * auth principal, else anonymous), never an `Mcp-Session-Id` header nothing checked; each listen
 * takes a token of the caller's operation rate; one caller holds at most `maxListens` open ones.
 * Real SDK v2 servers and clients over loopback HTTP.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import type { TaskEngine } from '../../../src/engine/TaskEngine.js';
import { DEFAULT_MAX_LISTENS_PER_CALLER, listenTasks, openListenCount } from '../../../src/protocol/tasksExtension/listen.js';
import type { TaskListenRequest } from '../../../src/protocol/tasksExtension/listen.js';
import { eventually } from '../../support/harness.js';
import { rawModernRequest, serveFetch, sessionfulV2Server } from './harness.js';
import { acknowledged, rawListen, withExtension } from './rawListen.js';
import type { RawListen } from './rawListen.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A task tool that waits until the test ends (TaskSupport.close fails it). */
function register(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(
    server,
    'wait',
    { taskSupport: 'required' },
    (_args, task) => new Promise((resolve) => task.signal.addEventListener('abort', () => resolve({ content: [] }))),
  );
}

/** TaskSupport keeps its engine private; these tests read the open-subscription count kept per engine. */
const engineOf = (tasks: TaskSupport): TaskEngine => (tasks as unknown as { engine: TaskEngine }).engine;

/** A stateless v2 endpoint (createMcpHandler) wrapped by withTaskSubscriptions; `x-user` stands for a bearer token's principal. */
async function modernEndpoint(tasks: TaskSupport): Promise<URL> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'listen-caller', version: '1.0.0' });
    register(tasks, server);
    return server;
  });
  const wrapped = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
  const served = await serveFetch((request) => {
    const user = request.headers.get('x-user');
    return wrapped(request, user ? { authInfo: { token: user, clientId: user, scopes: [] } } : undefined);
  });
  cleanups.push(async () => {
    await handler.close();
    await served.close();
  });
  return served.url;
}

function opened(listen: RawListen): RawListen {
  cleanups.push(() => listen.close());
  return listen;
}

describe('the owner of a task subscription', () => {
  test('a listen carrying a 2025-11-25 session’s Mcp-Session-Id does not follow that session’s tasks', async () => {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    // The demo's shape: 2025-11-25 sessions beside stateless 2026-07-28 serving, one TaskSupport.
    const legacy = await sessionfulV2Server(tasks, (server) => register(tasks, server));
    cleanups.push(() => legacy.close());
    const modern = await modernEndpoint(tasks);

    const victim = new Client({ name: 'victim', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(legacy.url);
    await victim.connect(transport);
    cleanups.push(() => victim.close());
    const created = await victim.request(
      { method: 'tools/call', params: { name: 'wait', arguments: {}, task: { ttl: 60_000 } } },
      z.looseObject({ task: z.looseObject({ taskId: z.string() }) }),
    );
    const taskId = created.task.taskId;
    const sessionId = transport.sessionId!;
    // The session itself reaches its task.
    expect(await victim.request({ method: 'tasks/get', params: { taskId } }, z.looseObject({}))).toMatchObject({ taskId });

    // Another client with the session id in a 2026-07-28 header: tasks/get does not reach the task …
    const get = await fetch(modern, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tasks/get',
        'mcp-name': taskId,
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tasks/get',
        params: {
          taskId,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': withExtension,
          },
        },
      }),
    });
    expect(await get.json()).toMatchObject({ error: { code: -32602 } });
    // … and neither does a listen (before, it was acknowledged and followed as that session).
    const spoofed = opened(await rawListen(modern, [taskId], { 'mcp-session-id': sessionId }));
    expect(await acknowledged(spoofed)).toEqual([]);
  });

  test('an anonymous caller’s listen follows its tasks whatever Mcp-Session-Id it sends, as its tasks/get reaches them', async () => {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const modern = await modernEndpoint(tasks);
    const created = await rawModernRequest(modern, 'tools/call', { name: 'wait', arguments: {} });
    const taskId = created.result!['taskId'] as string;
    // Before, a made-up session id made the listen someone else (`session:made-up`): its own task was left out.
    const listen = opened(await rawListen(modern, [taskId], { 'mcp-session-id': 'made-up' }));
    expect(await acknowledged(listen)).toEqual([taskId]);
    expect(await listen.next()).toMatchObject({ method: 'notifications/tasks', params: { taskId, status: 'working' } });
  });
});

describe('how many task subscriptions one caller holds', () => {
  test('a caller holds at most 100 open listens (the default): the next is -32029; another caller is not affected; an ended one frees its slot', async () => {
    const cap = 100;
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const url = await modernEndpoint(tasks);
    const alice = { 'x-user': 'alice' };
    const open: RawListen[] = [];
    for (let i = 0; i < cap; i++) {
      const listen = opened(await rawListen(url, [], alice));
      expect(await acknowledged(listen)).toEqual([]);
      open.push(listen);
    }
    const refused = opened(await rawListen(url, [], alice));
    expect(refused.status).toBe(200);
    expect(await refused.next()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32029, message: expect.stringContaining('maxListensPerCaller'), data: { limit: 'maxListensPerCaller', max: cap } },
    });
    expect(DEFAULT_MAX_LISTENS_PER_CALLER).toBe(cap);
    // A refusal holds nothing.
    const engine = engineOf(tasks);
    expect(openListenCount(engine, 'auth:alice')).toBe(cap);
    expect(await acknowledged(opened(await rawListen(url, [], { 'x-user': 'bob' })))).toEqual([]);

    open.shift()!.close();
    await eventually(() => openListenCount(engine, 'auth:alice') === cap - 1);
    expect(await acknowledged(opened(await rawListen(url, [], alice)))).toEqual([]);

    for (const listen of open) listen.close();
    await eventually(() => openListenCount(engine, 'auth:alice') === 1);
  });

  test('a subscription holds its slot until its signal aborts; one refused for its params or its missing extension holds none', async () => {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const engine = engineOf(tasks);
    const request: TaskListenRequest = { owner: 'carol', declared: true, params: { notifications: { taskIds: [] } }, maxListens: 1 };
    const listen = (signal: AbortSignal, overrides: Partial<TaskListenRequest> = {}): Promise<string[]> =>
      listenTasks(
        engine,
        { ...request, ...overrides },
        () => {},
        signal,
        () => {},
      );
    const never = new AbortController().signal;
    await expect(listen(never, { params: { notifications: { taskIds: 'not a list' } } })).rejects.toMatchObject({ code: -32602 });
    await expect(listen(never, { declared: false })).rejects.toMatchObject({ code: -32021 });
    expect(openListenCount(engine, 'carol')).toBe(0);

    const first = new AbortController();
    expect(await listen(first.signal)).toEqual([]);
    expect(openListenCount(engine, 'carol')).toBe(1);
    await expect(listen(never)).rejects.toMatchObject({ code: -32029, data: { limit: 'maxListensPerCaller', max: 1 } });
    first.abort();
    expect(openListenCount(engine, 'carol')).toBe(0);
    const second = new AbortController();
    cleanups.push(() => second.abort());
    expect(await listen(second.signal)).toEqual([]);
  });
});

describe('the operation rate and task subscriptions', () => {
  test('each listen takes a token of the caller’s taskOperationRate bucket, before its params are read; a refusal is -32029 with retryAfterMs', async () => {
    // The bucket tasks/* take from, here 2 at once and 1 a second.
    const tasks = new TaskSupport({ limits: { taskOperationRate: { perSecond: 1, burst: 2 } } });
    cleanups.push(() => tasks.close());
    const url = await modernEndpoint(tasks);
    expect(await acknowledged(opened(await rawListen(url, [], { 'x-user': 'dave' })))).toEqual([]);
    // Malformed params cost a token too.
    const malformed = opened(await rawListen(url, 'not a list' as unknown as string[], { 'x-user': 'dave' }));
    expect(await malformed.next()).toMatchObject({ error: { code: -32602 } });
    const refused = opened(await rawListen(url, [], { 'x-user': 'dave' }));
    expect(await refused.next()).toMatchObject({
      error: { code: -32029, data: { limit: 'taskOperationRate', retryAfterMs: expect.any(Number) } },
    });
    // Another caller has a bucket of its own.
    expect(await acknowledged(opened(await rawListen(url, [], { 'x-user': 'erin' })))).toEqual([]);
  });

  test('limits.maxListensPerCaller sets the cap', async () => {
    const tasks = new TaskSupport({ limits: { maxListensPerCaller: 2 } });
    cleanups.push(() => tasks.close());
    const url = await modernEndpoint(tasks);
    for (let i = 0; i < 2; i++) expect(await acknowledged(opened(await rawListen(url, [], { 'x-user': 'fay' })))).toEqual([]);
    const refused = opened(await rawListen(url, [], { 'x-user': 'fay' }));
    expect(await refused.next()).toMatchObject({ error: { code: -32029, data: { limit: 'maxListensPerCaller', max: 2 } } });
    expect(() => new TaskSupport({ limits: { maxListensPerCaller: 0 } })).toThrow(/maxListensPerCaller/);
  });
});

describe('the abort listeners of task subscriptions', () => {
  test('many open subscriptions, and one following many tasks, raise no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const url = await modernEndpoint(tasks);
    const taskIds: string[] = [];
    for (let i = 0; i < 12; i++)
      taskIds.push((await rawModernRequest(url, 'tools/call', { name: 'wait', arguments: {} })).result!['taskId'] as string);
    // Twelve subscriptions (each a listener on the TaskSupport's closing signal) …
    for (const taskId of taskIds) {
      const listen = opened(await rawListen(url, [taskId]));
      expect(await acknowledged(listen)).toEqual([taskId]);
      expect(await listen.next()).toMatchObject({ params: { taskId, status: 'working' } });
    }
    // … and one following twelve tasks (a listener each on its own signal while they work).
    const many = opened(await rawListen(url, taskIds));
    expect(await acknowledged(many)).toEqual(taskIds);
    for (let i = 0; i < taskIds.length; i++) expect(await many.next()).toMatchObject({ params: { status: 'working' } });
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
