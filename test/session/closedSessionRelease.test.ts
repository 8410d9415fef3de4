// A task outlives the session that created it: a client may end its session (Streamable HTTP's
// DELETE, a closed stdio) and the work goes on until it ends or its ttl runs out. The task must not
// keep that session's server with it: the server, its transport and the tools it registered were
// about 85 KB per such task (compiled build, HTTP), against a few KB for the task itself.
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { McpHttpHost } from '../../src/http/index.js';
import { Collection, collectGarbage } from '../support/collection.js';
import { createTask, defaultClientCapabilities, eventually, newServer, taskResult, testTaskSupport } from '../support/harness.js';

const form = { message: 'go on?', requestedSchema: { type: 'object' as const, properties: {} } };

let tasks: TaskSupport | undefined;
let host: McpHttpHost | undefined;
afterEach(async () => {
  await host?.close();
  await tasks?.close();
  host = undefined;
  tasks = undefined;
});

/** The work of every tool here: runs until its task is cancelled, then records that it was. */
function untilCancelled(ended: string[], kind: 'signal' | 'input') {
  return async (_args: unknown, task: Parameters<Parameters<TaskSupport['registerTool']>[3]>[1]): Promise<CallToolResult> => {
    if (kind === 'input') void task.elicit(form).catch(() => {});
    await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
    ended.push(String(task.taskId));
    return { content: [] };
  };
}

describe('a task whose session ended keeps none of that session', () => {
  it('in memory: the server is collected after the connection closes, and the task still runs', async () => {
    const t = (tasks = testTaskSupport());
    const ended: string[] = [];
    // Everything that names the server lives in this function's frame, gone when it returns.
    const collection = new Collection();
    const { taskId } = await (async () => {
      const server = newServer();
      t.registerTool(server, 'long', { taskSupport: 'required' }, untilCancelled(ended, 'signal'));
      const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      await client.connect(clientTransport);
      const task = await createTask(client, 'long', {});
      await client.close();
      collection.watch(server, 'server');
      return { taskId: task.taskId };
    })();
    expect(await collection.collected(['server'])).toBe(true);
    // The task was alive all along: closing the TaskSupport cancels its work.
    expect(ended).toEqual([]);
    await t.close();
    tasks = undefined;
    expect(ended).toEqual([taskId]);
  });

  it('over Streamable HTTP: DELETE of a session whose task waits for input lets its server go', async () => {
    const t = (tasks = testTaskSupport());
    const ended: string[] = [];
    const collection = new Collection();
    const servers: string[] = [];
    host = new McpHttpHost({
      createServer: () => {
        const server = newServer();
        t.registerTool(server, 'ask', { taskSupport: 'required' }, untilCancelled(ended, 'input'));
        servers.push(`server ${servers.length}`);
        collection.watch(server, servers.at(-1)!);
        return server;
      },
    });
    const { url } = await host.listen({ port: 0 });
    for (let i = 0; i < 3; i++) {
      const transport = new StreamableHTTPClientTransport(new URL(url));
      const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
      await client.connect(transport);
      await createTask(client, 'ask', {});
      await transport.terminateSession();
      await client.close();
    }
    expect(host.sessionCount).toBe(0);
    expect(servers).toHaveLength(3);
    expect(await collection.collected(servers)).toBe(true);
    expect(ended).toHaveLength(0);
    await t.close();
    tasks = undefined;
    expect(ended).toHaveLength(3);
  });

  it('a server connected again after its connection closed serves tasks that ask the client as before', async () => {
    const t = (tasks = testTaskSupport());
    const server = newServer();
    t.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      const answer = await task.elicit(form);
      return { content: [{ type: 'text', text: answer.action }] };
    });
    const connect = async (): Promise<Client> => {
      const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
      client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: {} }));
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      await client.connect(clientTransport);
      return client;
    };
    const first = await connect();
    await first.close();
    await eventually(() => server.server.transport === undefined);
    // A collection while the server is not connected must not cost the router its host.
    collectGarbage();
    const second = await connect();
    const task = await createTask(second, 'ask', {});
    await expect(taskResult(second, task.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'accept' }] });
    await second.close();
  });
});
