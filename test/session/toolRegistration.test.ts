import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpServer as V2McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTask, defaultClientCapabilities, taskResult, testTaskSupport } from '../support/harness.js';
import type { TaskSupport } from '../../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

function track(tasks: TaskSupport): TaskSupport {
  open.push(tasks);
  return tasks;
}

async function connect(server: McpServer): Promise<Client> {
  const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push({ close: async () => (await client.close(), await server.close()) });
  return client;
}

const done = { content: [{ type: 'text' as const, text: 'done' }] };

describe('registering task tools without calling enable()', () => {
  it('a task call works: registerTool turned tasks on (capabilities, tasks/* handlers) for that server', async () => {
    const tasks = track(testTaskSupport());
    const server = new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => done);
    const client = await connect(server);
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toEqual({});
    const task = await createTask(client, 'job', {});
    await expect(taskResult(client, task.taskId)).resolves.toMatchObject(done);
  });

  it('enable() afterwards (the documented order) is still accepted', async () => {
    const tasks = track(testTaskSupport());
    const server = new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'job', { taskSupport: 'optional' }, async () => done);
    tasks.enable(server);
    const client = await connect(server);
    await expect(
      client.request({ method: 'tools/call', params: { name: 'job', arguments: {} } }, CallToolResultSchema),
    ).resolves.toMatchObject(done);
  });
});

describe('a plain tool and a task tool of the same name on one McpServer', () => {
  it('McpServer.registerTool after the task tool throws as the SDK does for duplicates', () => {
    const tasks = track(testTaskSupport());
    const server = new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => done);
    expect(() => server.registerTool('job', { inputSchema: { x: z.string() } }, async () => done)).toThrow(
      'Tool job is already registered',
    );
    expect(() => server.tool('job', async () => done)).toThrow('Tool job is already registered');
  });

  it('the task tool after McpServer.registerTool throws too, and tools/list never names a tool twice', async () => {
    const tasks = track(testTaskSupport());
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('plain', {}, async () => done);
    expect(() => tasks.registerTool(server, 'plain', { taskSupport: 'required' }, async () => done)).toThrow(
      /Tool plain is already registered/,
    );
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => done);
    expect(() => server.registerTool('job', {}, async () => done)).toThrow('Tool job is already registered');
    server.registerTool('other', {}, async () => done);
    const client = await connect(server);
    const { tools } = await client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema);
    expect(tools.map((tool) => tool.name).sort()).toEqual(['job', 'other', 'plain']);
  });

  it('on an SDK v2 McpServer as well', () => {
    const tasks = track(testTaskSupport());
    const server = new V2McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => done);
    expect(() => server.registerTool('job', {}, async () => done)).toThrow('Tool job is already registered');
  });
});
