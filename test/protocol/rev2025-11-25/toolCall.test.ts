import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, serverSdkLine, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';

let tasks: TaskSupport;
let session: Session;
let jobs: Jobs;

beforeEach(async () => {
  tasks = testTaskSupport();
  jobs = new Jobs();
  session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

describe('tools/call and tools/list with task support', () => {
  it('declares the tasks capability for tools/call', () => {
    expect(session.client.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
  });

  it('lists execution.taskSupport for task tools next to the McpServer tools', async () => {
    const { tools } = await session.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName['job']?.execution).toEqual({ taskSupport: 'optional' });
    expect(byName['quick']?.execution).toEqual({ taskSupport: 'required' });
    // A tool registered with McpServer's own registerTool: v1 lists it with `taskSupport: 'forbidden'`,
    // v2 without `execution` at all, which 2025-11-25 defines as the same thing (absent = forbidden).
    // The library lists those tools as the SDK line does (docs/protocols.md, "SDK lines differ").
    expect(byName['plain']?.execution).toEqual(serverSdkLine === 'v2' ? undefined : { taskSupport: 'forbidden' });
    expect(byName['plain']).toBeDefined();
    expect(byName['job']?.inputSchema).toMatchObject({ type: 'object', properties: { key: { type: 'string' } } });
  });

  it('answers a task-augmented call at once with a working task', async () => {
    const before = Date.now();
    const task = await createTask(session.client, 'job', { key: 'a' }, 60_000);
    expect(task.status).toBe('working');
    expect(task.taskId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(task.ttl).toBe(60_000);
    expect(task.pollInterval).toBe(10);
    expect(Date.parse(task.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(task.lastUpdatedAt).toBe(task.createdAt);
    (await jobs.get('a')).finish();
  });

  it('caps the ttl at the server maximum and applies the default', async () => {
    await tasks.close();
    await session.close();
    tasks = testTaskSupport({ defaultTtl: 5_000, maxTtl: 10_000 });
    session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    expect((await createTask(session.client, 'quick', { text: 'x' }, 99_999_999)).ttl).toBe(10_000);
    expect((await createTask(session.client, 'quick', { text: 'x' })).ttl).toBe(5_000);
  });

  it('rejects a negative ttl with -32602 instead of granting a task that is gone at once', async () => {
    const error = await rpcError(createTask(session.client, 'quick', { text: 'x' }, -5));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain('ttl');
  });

  it('rejects a required tool called without task with -32601, not an isError result', async () => {
    const error = await rpcError(session.client.callTool({ name: 'quick', arguments: { text: 'x' } }));
    expect(error.code).toBe(ErrorCode.MethodNotFound);
    expect(error.message).toContain('must be called as a task');
  });

  it('rejects task augmentation of a tool without task support with -32601', async () => {
    const error = await rpcError(createTask(session.client, 'plain', { text: 'x' }));
    expect(error.code).toBe(ErrorCode.MethodNotFound);
  });

  it('rejects an unknown tool with -32602, with or without task', async () => {
    expect((await rpcError(createTask(session.client, 'nope', {}))).code).toBe(ErrorCode.InvalidParams);
    expect((await rpcError(session.client.callTool({ name: 'nope', arguments: {} }))).code).toBe(ErrorCode.InvalidParams);
  });

  it('rejects invalid arguments with -32602 before creating any task', async () => {
    const error = await rpcError(createTask(session.client, 'job', { key: 42 }));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain('key');
    expect((await session.client.experimental.tasks.listTasks()).tasks).toHaveLength(0);
  });

  it('runs an optional tool inline when called without task', async () => {
    const call = session.client.callTool({ name: 'job', arguments: { key: 'inline' } });
    const job = await jobs.get('inline');
    expect(job.task.taskId).toBeUndefined();
    job.finish();
    expect(await call).toEqual({ content: [{ type: 'text', text: 'done inline' }] });
    expect((await session.client.experimental.tasks.listTasks()).tasks).toHaveLength(0);
  });

  it('returns an inline throw as an isError result, and an inline McpError as that JSON-RPC error', async () => {
    const call = session.client.callTool({ name: 'job', arguments: { key: 'e1' } });
    (await jobs.get('e1')).fail(new Error('bad thing'));
    expect(await call).toEqual({ content: [{ type: 'text', text: 'bad thing' }], isError: true });
    const call2 = session.client.callTool({ name: 'job', arguments: { key: 'e2' } });
    (await jobs.get('e2')).fail(new McpError(-32042, 'need a url'));
    expect((await rpcError(call2)).code).toBe(-32042);
  });

  it('still serves McpServer tools without task', async () => {
    expect(await session.client.callTool({ name: 'plain', arguments: { text: 'hi' } })).toEqual({
      content: [{ type: 'text', text: 'plain hi' }],
    });
  });

  it('returns through tasks/result exactly what tools/call returns inline', async () => {
    const task = await createTask(session.client, 'quick', { text: 'same' });
    const viaTask = await taskResult(session.client, task.taskId);
    const { _meta, ...rest } = viaTask;
    expect(rest).toEqual({ content: [{ type: 'text', text: 'same' }] });
    expect(_meta).toEqual({ 'io.modelcontextprotocol/related-task': { taskId: task.taskId } });
    expect(CallToolResultSchema.safeParse(viaTask).success).toBe(true);
  });
});
