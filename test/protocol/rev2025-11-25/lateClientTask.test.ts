/**
 * A server task's `elicitAsTask` whose client answers with its CreateTaskResult only after the
 * server task was cancelled: the client made its task (it may show the user a dialog for it), and
 * it declared `tasks.cancel`, so it is told the server no longer wants it. Before, the task's end
 * withdrew the request, the late CreateTaskResult was dropped with a warning, and the client's task
 * ran to its ttl (SessionRouter.ts `withdrawn`).
 */
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { deferred, testTaskSupport } from '../../support/harness.js';
import { until } from '../../support/until.js';
import { recordingRequests } from '../../support/counting.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };
let closeAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeAll?.();
});

it('a client task created after its server task was cancelled still gets tasks/cancel', async () => {
  const tasks: TaskSupport = testTaskSupport({ pollInterval: 5000 });
  const server = new McpServer({ name: 's', version: '1.0.0' });
  tasks.registerTool(server, 'askTask', { taskSupport: 'required' }, async (_args, task) => {
    const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
    return { content: [{ type: 'text', text: answer.action }] };
  });
  const store = new InMemoryTaskStore();
  const client = new Client(
    { name: 'c', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } }, taskStore: store },
  );
  const asked = deferred();
  const release = deferred();
  client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
    const created = await extra.taskStore!.createTask({ ttl: 60_000, pollInterval: 20 });
    asked.resolve();
    // The client's CreateTaskResult is slow to come back (a busy client, a slow link).
    await release.promise;
    return { task: created };
  });
  const received: string[] = [];
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  recordingRequests(serverTransport, received);
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  closeAll = async () => {
    await client.close();
    await server.close();
    await tasks.close();
  };

  const created = await client.request(
    { method: 'tools/call', params: { name: 'askTask', arguments: {}, task: {} } },
    CreateTaskResultSchema,
  );
  await asked.promise;
  await client.request({ method: 'tasks/cancel', params: { taskId: created.task.taskId } }, z.object({ status: z.string() }).passthrough());
  release.resolve();
  await until(() => received.includes('tasks/cancel'), 'tasks/cancel reached the client');
  const clientTasks = (await store.listTasks()).tasks;
  expect({ toClient: received, clientTaskStatuses: clientTasks.map((t) => t.status) }).toEqual({
    toClient: ['elicitation/create', 'tasks/cancel'],
    clientTaskStatuses: ['cancelled'],
  });
});
