import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, newServer, taskResult, testTaskSupport } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';
import { rpcError } from '../../support/session.js';

/** Client side of a linked pair that stamps every message with an auth context, as an HTTP auth middleware would. */
function authenticated(transport: InMemoryTransport, authInfo: AuthInfo): Transport {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(message, { ...options, authInfo });
  return transport;
}

async function connectAs(tasks: ReturnType<typeof testTaskSupport>, jobs: Jobs, clientId: string) {
  const server = newServer({ name: 's', version: '1' });
  jobs.register(tasks, server);
  tasks.enable(server);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(authenticated(clientSide, { token: `token-${clientId}`, clientId, scopes: [] }));
  return { client, server };
}

describe('tasks bound to the authorization context', () => {
  it('lets the same principal reach its task from a new session, and no one else', async () => {
    const tasks = testTaskSupport();
    const jobs = new Jobs();
    const first = await connectAs(tasks, jobs, 'alice');
    const task = await createTask(first.client, 'job', { key: 'a' });
    await first.client.close();

    const again = await connectAs(tasks, jobs, 'alice');
    const stranger = await connectAs(tasks, jobs, 'mallory');
    expect((await again.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    expect((await again.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
    expect((await rpcError(stranger.client.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
    expect((await stranger.client.experimental.tasks.listTasks()).tasks).toEqual([]);

    (await jobs.get('a')).finish();
    expect((await taskResult(again.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done a' }]);
    await again.client.close();
    await stranger.client.close();
    await tasks.close();
  });
});
