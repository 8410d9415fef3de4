/**
 * Task tools against the SDK's own `McpServer.registerTool`, on both SDK lines (v1 and v2 servers,
 * the SDK v1 client over the in-memory link): what `tools/list` shows, how a result that fails the
 * output schema is answered (inline and as a task), the returned handle, and the call's fields in
 * the work's context. Where the SDK defines the answer, the test asks a plain McpServer tool the
 * same question and compares.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolResultSchema,
  GetTaskResultSchema,
  ListToolsResultSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskContext, TaskSupport } from '../../src/index.js';
import { createTask, defaultClientCapabilities, eventually, taskResult, testTaskSupport } from '../support/harness.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

type Line = 'v1' | 'v2';

function newServer(line: Line): McpServer {
  const info = { name: 's', version: '1' };
  // A v2 McpServer is typed as v1's: the tests use only what both share (registerTool, connect, close).
  return line === 'v2' ? (new McpServerV2(info) as unknown as McpServer) : new McpServer(info);
}

interface Connected {
  client: Client;
  listChanged: number;
  /** The ids of the client's requests, by method, as sent on the wire. */
  sentIds: Map<string, (string | number)[]>;
}

/** Connects the SDK v1 client; the server's link gets `authInfo` on every message and a session id, as an HTTP transport would give. */
async function connect(server: McpServer, authInfo?: AuthInfo): Promise<Connected> {
  const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  serverSide.sessionId = 'session-1';
  await server.connect(serverSide);
  if (authInfo) {
    const deliver = serverSide.onmessage!;
    serverSide.onmessage = (message, extra) => deliver(message, { ...extra, authInfo });
  }
  const connected: Connected = { client, listChanged: 0, sentIds: new Map() };
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message: JSONRPCMessage, options) => {
    if ('method' in message && 'id' in message) {
      const ids = connected.sentIds.get(message.method) ?? [];
      ids.push(message.id);
      connected.sentIds.set(message.method, ids);
    }
    return send(message, options);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void connected.listChanged++);
  await client.connect(clientSide);
  open.push({ close: async () => (await client.close(), await server.close()) });
  return connected;
}

function track(tasks: TaskSupport): TaskSupport {
  open.push(tasks);
  return tasks;
}

const callTool = (client: Client, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) =>
  client.request({ method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } }, CallToolResultSchema);

const outputSchema = { total: z.number(), items: z.array(z.string()) };
const config = {
  title: 'Sum it',
  description: 'Adds things up',
  inputSchema: { n: z.number() },
  outputSchema,
  annotations: { readOnlyHint: true, idempotentHint: true },
  _meta: { 'example.com/owner': 'team-a' },
};
/** A result for the given structured content (undefined: none). */
const resultWith = (structuredContent: Record<string, unknown> | undefined): CallToolResult => ({
  content: [{ type: 'text', text: 'done' }],
  ...(structuredContent === undefined ? {} : { structuredContent }),
});
const badContents: [string, Record<string, unknown> | undefined][] = [
  ['a wrong type and a missing field', { total: 'seven' }],
  ['a wrong item deep in an array', { total: 1, items: ['a', 2] }],
  ['no structuredContent at all', undefined],
];

/** The text of the answer, with the tool's name replaced, so a plain tool's answer and a task tool's compare. */
const textOf = (result: CallToolResult, name: string): string => (result.content[0] as { text: string }).text.replaceAll(name, 'TOOL');

/**
 * Our text equals McpServer's. McpServer v1 before 1.31 printed the issues as the ZodError's JSON
 * (seen in the lowest-SDK project); the issue list here follows 1.31+ and v2, so against such an SDK
 * only the words up to the issues must match.
 */
function expectSameText(ours: string, sdk: string): void {
  const marker = 'for tool TOOL: ';
  const at = sdk.indexOf(marker);
  if (at >= 0 && sdk.slice(at + marker.length).startsWith('[')) {
    expect(ours.slice(0, at + marker.length)).toBe(sdk.slice(0, at + marker.length));
    expect(ours.length).toBeGreaterThan(at + marker.length);
  } else {
    expect(ours).toBe(sdk);
  }
}

describe.each<Line>(['v1', 'v2'])('task tools match McpServer.registerTool (SDK %s server)', (line) => {
  it('tools/list shows title, description, annotations, _meta and outputSchema as McpServer lists them', async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    server.registerTool('plain', config, async () => resultWith({ total: 0, items: [] }));
    tasks.registerTool(server, 'job', { ...config, taskSupport: 'optional' }, async () => resultWith({ total: 0, items: [] }));
    const { client } = await connect(server);
    const { tools } = await client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema);
    const plain = tools.find((tool) => tool.name === 'plain')!;
    const job = tools.find((tool) => tool.name === 'job')!;
    expect(job.outputSchema).toBeDefined();
    const { name: _p, execution: _pe, ...plainRest } = plain;
    const { name: _j, execution, ...jobRest } = job;
    // The JSON Schemas' `$schema` is left out by this library (each SDK line names another draft).
    const withoutDialect = (tool: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(tool, (key, value: unknown) => (key === '$schema' ? undefined : value))) as unknown;
    expect(withoutDialect(jobRest)).toEqual(withoutDialect(plainRest));
    expect(execution).toEqual({ taskSupport: 'optional' });
  });

  it.each(badContents)('inline, %s: the same isError answer as a plain McpServer tool', async (_case, structured) => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    server.registerTool('plain', config, async () => resultWith(structured));
    tasks.registerTool(server, 'job', { ...config, taskSupport: 'optional' }, async () => resultWith(structured));
    const { client } = await connect(server);
    const plain = await callTool(client, 'plain', { n: 1 });
    const job = await callTool(client, 'job', { n: 1 });
    expect(plain.isError).toBe(true);
    expect(plain.content[0]).toMatchObject({ text: expect.stringContaining('Output validation error') });
    expect(job).toEqual({ ...plain, content: [{ type: 'text', text: expect.any(String) }] });
    expectSameText(textOf(job, 'job'), textOf(plain, 'plain'));
  });

  it.each(badContents)('as a task, %s: the task fails and tasks/result gives that same isError answer', async (_case, structured) => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    server.registerTool('plain', config, async () => resultWith(structured));
    tasks.registerTool(server, 'job', { ...config, taskSupport: 'required' }, async () => resultWith(structured));
    const { client } = await connect(server);
    const plain = await callTool(client, 'plain', { n: 1 });
    const task = await createTask(client, 'job', { n: 1 });
    const result = await taskResult(client, task.taskId);
    expect(result.isError).toBe(true);
    expectSameText(textOf(result, 'job'), textOf(plain, 'plain'));
    const status = await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema);
    expect(status).toMatchObject({ status: 'failed', statusMessage: (result.content[0] as { text: string }).text });
  });

  it('a matching structuredContent passes untouched, inline and as a task; an isError result is not checked', async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    const good = resultWith({ total: 3, items: ['a'] });
    tasks.registerTool(server, 'job', { ...config, taskSupport: 'optional' }, async ({ n }) =>
      n < 0 ? { content: [{ type: 'text', text: 'negative' }], isError: true } : good,
    );
    const { client } = await connect(server);
    await expect(callTool(client, 'job', { n: 1 })).resolves.toEqual(good);
    const task = await createTask(client, 'job', { n: 1 });
    await expect(taskResult(client, task.taskId)).resolves.toMatchObject(good);
    await expect(callTool(client, 'job', { n: -1 })).resolves.toEqual({ content: [{ type: 'text', text: 'negative' }], isError: true });
  });

  it('the handle: disable, enable, update, rename and remove change tools/list and calls, each announced', async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    const handle = tasks.registerTool(server, 'job', { taskSupport: 'optional', inputSchema: { n: z.number() } }, async ({ n }) => ({
      content: [{ type: 'text', text: `v1 ${n}` }],
    }));
    const connected = await connect(server);
    const { client } = connected;
    const names = async () => (await client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema)).tools.map((t) => t.name);
    const refused = (name: string) =>
      callTool(client, name, { n: 1 }).then(
        () => 'answered',
        (error: { code: number; message: string }) => `${error.code} ${error.message}`,
      );

    handle.disable();
    await eventually(() => connected.listChanged === 1);
    expect(handle.enabled).toBe(false);
    expect(await names()).toEqual([]);
    expect(await refused('job')).toBe('-32602 MCP error -32602: Tool job disabled');
    await expect(createTask(client, 'job', { n: 1 })).rejects.toMatchObject({ code: -32602 });

    handle.enable();
    await eventually(() => connected.listChanged === 2);
    expect(await names()).toEqual(['job']);

    handle.update({
      title: 'Job',
      description: 'Does the job',
      callback: async ({ n }) => ({ content: [{ type: 'text', text: `v2 ${n}` }] }),
    });
    await eventually(() => connected.listChanged === 3);
    const { tools } = await client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema);
    expect(tools[0]).toMatchObject({ name: 'job', title: 'Job', description: 'Does the job' });
    await expect(callTool(client, 'job', { n: 2 })).resolves.toEqual({ content: [{ type: 'text', text: 'v2 2' }] });

    handle.update({ name: 'work' });
    await eventually(() => connected.listChanged === 4);
    expect(await names()).toEqual(['work']);
    expect(await refused('job')).toBe('-32602 MCP error -32602: Tool job not found');
    await expect(callTool(client, 'work', { n: 3 })).resolves.toEqual({ content: [{ type: 'text', text: 'v2 3' }] });

    handle.remove();
    await eventually(() => connected.listChanged === 5);
    expect(await names()).toEqual([]);
    expect(await refused('work')).toBe('-32602 MCP error -32602: Tool work not found');
    // The name is free again, for the server's own API too.
    server.registerTool('work', {}, async () => ({ content: [{ type: 'text', text: 'plain' }] }));
    await expect(callTool(client, 'work')).resolves.toEqual({ content: [{ type: 'text', text: 'plain' }] });
    expect(() => handle.enable()).toThrow('Task tool work was removed');
  });

  it('a rename onto a taken name throws the duplicate error and changes nothing', async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    server.registerTool('plain', {}, async () => ({ content: [] }));
    const done = async (): Promise<CallToolResult> => ({ content: [] });
    const a = tasks.registerTool(server, 'a', { taskSupport: 'optional' }, done);
    tasks.registerTool(server, 'b', { taskSupport: 'optional' }, done);
    expect(() => a.update({ name: 'b', title: 'A' })).toThrow('Task tool b is already registered');
    expect(() => a.update({ name: 'plain' })).toThrow('Tool plain is already registered');
    expect(a.title).toBeUndefined();
    const { client } = await connect(server);
    const { tools } = await client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema);
    expect(tools.map((tool) => tool.name)).toEqual(['plain', 'a', 'b']);
  });

  it("registering a task tool on a connected server announces it, as McpServer's registerTool does", async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    tasks.enable(server);
    const connected = await connect(server);
    tasks.registerTool(server, 'late', { taskSupport: 'optional' }, async () => ({ content: [] }));
    await eventually(() => connected.listChanged === 1);
  });

  it("the work's context carries the call's requestId, sessionId, authInfo and _meta, inline and as a task", async () => {
    const tasks = track(testTaskSupport());
    const server = newServer(line);
    const seen: Pick<TaskContext, 'requestId' | 'sessionId' | 'authInfo' | '_meta'>[] = [];
    tasks.registerTool(server, 'job', { taskSupport: 'optional' }, async (_args, task) => {
      seen.push({ requestId: task.requestId, sessionId: task.sessionId, authInfo: task.authInfo, _meta: task._meta });
      return { content: [] };
    });
    const authInfo: AuthInfo = { token: 't', clientId: 'client-7', scopes: ['tasks'] };
    const connected = await connect(server, authInfo);
    await callTool(connected.client, 'job', {}, { progressToken: 'p1', 'example.com/trace': 'abc' });
    const task = await createTask(connected.client, 'job', {});
    await taskResult(connected.client, task.taskId);
    const [inlineId, taskId] = connected.sentIds.get('tools/call')!;
    expect(seen).toEqual([
      { requestId: inlineId, sessionId: 'session-1', authInfo, _meta: { progressToken: 'p1', 'example.com/trace': 'abc' } },
      { requestId: taskId, sessionId: 'session-1', authInfo, _meta: undefined },
    ]);
  });
});
