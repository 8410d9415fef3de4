import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { GetTaskResultSchema, CancelTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTask, defaultClientCapabilities, eventually, testTaskSupport } from '../support/harness.js';
import type { TaskSupport } from '../../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** What the work's pending `elicit` was rejected with. */
interface Rejection {
  code: number | undefined;
  message: string;
}

/** A task that asks once and never gets an answer: the client takes the question and never replies. */
async function askingTask(tasks: TaskSupport, ttl?: number): Promise<{ client: Client; taskId: string; rejected: Promise<Rejection> }> {
  let settleRejection: (r: Rejection) => void = () => {};
  const rejected = new Promise<Rejection>((resolve) => (settleRejection = resolve));
  const server = new McpServer({ name: 's', version: '1' });
  tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
    try {
      await task.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
    } catch (error) {
      const { code, message } = error as { code?: number; message: string };
      settleRejection({ code, message });
    }
    return { content: [] };
  });
  const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
  client.fallbackRequestHandler = () => new Promise<never>(() => {});
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push({ close: async () => (await client.close(), await server.close()) });
  const { taskId } = await createTask(client, 'ask', {}, ttl);
  await eventually(async () => {
    const task = await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
    return task.status === 'input_required';
  });
  return { client, taskId, rejected };
}

describe("a task that ends while its work waits for an answer rejects the work's ask", () => {
  it('with "was cancelled" when the client cancels it', async () => {
    const tasks = testTaskSupport();
    open.push(tasks);
    const { client, taskId, rejected } = await askingTask(tasks);
    await client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema);
    expect(await rejected).toEqual({ code: -32603, message: `Task ${taskId} was cancelled` });
  });

  it('with "expired" when its ttl runs out', async () => {
    const tasks = testTaskSupport();
    open.push(tasks);
    const { taskId, rejected } = await askingTask(tasks, 400);
    expect(await rejected).toEqual({ code: -32603, message: `Task ${taskId} expired` });
  });

  it('with "ended (failed) before the answer arrived" when the server shuts down', async () => {
    const tasks = testTaskSupport();
    const { taskId, rejected } = await askingTask(tasks);
    const closed = tasks.close();
    expect(await rejected).toEqual({
      code: -32603,
      message: `Task ${taskId} ended (failed) before the answer arrived`,
    });
    await closed;
  });
});
