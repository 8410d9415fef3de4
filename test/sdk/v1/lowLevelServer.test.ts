import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createTask, taskResult, testTaskSupport } from '../../support/harness.js';

describe('enable on a low-level Server', () => {
  it('serves task tools next to the server’s own tools/list and tools/call handlers', async () => {
    const tasks = testTaskSupport();
    const server = new Server({ name: 'low', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'own', inputSchema: { type: 'object' as const } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, (request) => ({
      content: [{ type: 'text' as const, text: `own handler got ${request.params.name}` }],
    }));
    tasks.registerTool(server, 'double', { taskSupport: 'optional', inputSchema: { n: z.number() } }, ({ n }) => ({
      content: [{ type: 'text', text: String(n * 2) }],
    }));
    tasks.enable(server);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(a);

    const names = (await client.listTools()).tools.map((t) => [t.name, t.execution?.taskSupport]);
    expect(names).toEqual([
      ['own', undefined],
      ['double', 'optional'],
    ]);
    expect(await client.callTool({ name: 'own', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'own handler got own' }] });
    expect(await client.callTool({ name: 'double', arguments: { n: 4 } })).toEqual({ content: [{ type: 'text', text: '8' }] });
    const task = await createTask(client, 'double', { n: 21 });
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: '42' }]);
    await client.close();
    await tasks.close();
  });
});
