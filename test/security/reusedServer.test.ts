import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createTask, deferred, eventually, taskResult } from '../support/harness.js';

/*
 * One McpServer connected to one client after another (in memory; the same holds for any transport
 * a server is connected to again after close). Tasks are bound to the connection that made them,
 * so the next client is another caller: it must not be sent the earlier client's task status, its
 * input requests, nor be able to answer them.
 */

const FORM = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } } };

interface Connected {
  client: Client;
  asked: string[];
  heard: { method: string; params: unknown }[];
}

describe.each(['v1', 'v2'] as const)('one server (SDK %s) connected to one client after another', (line) => {
  let tasks: TaskSupport;
  let server: McpServer;
  let gate = deferred();
  const clients: Client[] = [];

  /** Connects a new client to `server`; its elicitation handler answers `answer`, recording each message. */
  async function connect(name: string, answer: ElicitResult): Promise<Connected> {
    const client = new Client({ name, version: '1' }, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    const heard: Connected['heard'] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return answer;
    });
    client.fallbackNotificationHandler = async (n) => void heard.push({ method: n.method, params: n.params });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    clients.push(client);
    return { client, asked, heard };
  }

  beforeEach(() => {
    tasks = new TaskSupport({ pollInterval: 10, logger: { warn: () => {}, error: () => {} }, limits: { minPollInterval: 10 } });
    gate = deferred();
    // A v2 McpServer typed as v1's, as test/support/harness.ts does: the test uses what both share.
    server =
      line === 'v2' ? (new McpServerV2({ name: 's', version: '1' }) as unknown as McpServer) : new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      await gate.promise;
      const answer = await task.elicit({ message: 'secret question of the first client', requestedSchema: FORM });
      return { content: [{ type: 'text', text: answer.action }] };
    });
  });

  afterEach(async () => {
    while (clients.length > 0) await clients.pop()!.close();
    await server.close();
    await tasks.close();
  });

  it("sends the next client nothing of the earlier client's task, and takes no answer from it", async () => {
    const first = await connect('first', { action: 'decline' });
    const task = await createTask(first.client, 'ask', {});
    await first.client.close();
    await server.close();

    const next = await connect('next', { action: 'accept', content: { ok: true } });
    gate.resolve();
    await eventually(async () => (await tasks.store.get(task.taskId))?.status !== 'working');
    expect((await tasks.store.get(task.taskId))?.status).toBe('input_required');
    // A round trip on the next client's connection: whatever was pushed before it has arrived.
    await next.client.ping();
    expect(next.asked).toEqual([]);
    expect(next.heard.filter((n) => JSON.stringify(n.params).includes(task.taskId))).toEqual([]);
    expect(await next.client.experimental.tasks.listTasks()).toMatchObject({ tasks: [] });
  });

  it('(control) still pushes a task its input request on the connection that made it', async () => {
    const only = await connect('only', { action: 'accept', content: { ok: true } });
    const task = await createTask(only.client, 'ask', {});
    gate.resolve();
    expect((await taskResult(only.client, task.taskId)).content).toEqual([{ type: 'text', text: 'accept' }]);
    expect(only.asked).toEqual(['secret question of the first client']);
  });
});
