import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { demoBearerAuth } from '../../src/demo/bearerAuth.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import type { RunningHttpServer } from '../../src/demo/httpServer.js';
import { createTask } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { rpcError } from '../support/session.js';

/*
 * A Streamable HTTP session that ends (DELETE), behind the demo's bearer auth: its tasks run on,
 * a new session of the same principal reaches them (get, list, result, cancel), and nobody else
 * does: another token, no token, or another token replaying the ended or a live session's id.
 * In memory and on a real Redis. Guards: they pass on the code as found.
 */

const redis = ownRedis();

describe.each(['memory', 'redis'] as const)('a session that ends, behind bearer auth (%s store)', (backendName) => {
  let tasks: TaskSupport;
  let backend: RedisTaskBackend | undefined;
  let http: RunningHttpServer;
  const clients: Client[] = [];

  async function connect(
    token: string | undefined,
    sessionId?: string,
  ): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(http.url), {
      ...(token === undefined ? {} : { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
      ...(sessionId === undefined ? {} : { sessionId }),
    });
    const client = new Client({ name: 'c', version: '1' });
    clients.push(client);
    await client.connect(transport);
    return { client, transport };
  }

  beforeEach(async () => {
    backend =
      backendName === 'redis'
        ? await createRedisTaskBackend({ url: redis.url, prefix: `end${randomBytes(4).toString('hex')}:` })
        : undefined;
    const stores = backend ? { store: backend.store, queue: backend.queue, cluster: backend.cluster } : {};
    tasks = new TaskSupport({ ...stores, pollInterval: 10, logger: { warn: () => {}, error: () => {} }, limits: { minPollInterval: 10 } });
    http = await serveHttp(
      tasks,
      (t) => {
        const server = new McpServer({ name: 's', version: '1' });
        t.registerTool(server, 'hold', { taskSupport: 'required' }, async (_args, task) => {
          await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
          return { content: [{ type: 'text', text: 'released' }] };
        });
        return server;
      },
      { port: 0, authenticate: demoBearerAuth },
    );
  });

  afterEach(async () => {
    while (clients.length > 0) await clients.pop()!.close();
    await http.close();
    await tasks.close();
    await backend?.close();
  });

  it('lets the same principal reach the ended session’s task from a new session, and nobody else', async () => {
    const first = await connect('alice-token');
    const task = await createTask(first.client, 'hold', {});
    const endedSession = first.transport.sessionId!;
    await first.transport.terminateSession();
    await first.client.close();

    const mallory = await connect('mallory-token');
    const anonymous = await connect(undefined);
    for (const stranger of [mallory.client, anonymous.client]) {
      expect((await stranger.experimental.tasks.listTasks()).tasks).toEqual([]);
      // Each rejection taken as its call is made: one awaited later would be unhandled meanwhile.
      const attempts = [
        rpcError(stranger.experimental.tasks.getTask(task.taskId)),
        rpcError(stranger.experimental.tasks.cancelTask(task.taskId)),
      ];
      for (const attempt of attempts) expect((await attempt).code).toBe(ErrorCode.InvalidParams);
    }
    // Mallory replaying Alice's ended session id, then her live one: the session is refused, not served as Alice.
    const again = await connect('alice-token');
    for (const sessionId of [endedSession, again.transport.sessionId!]) {
      const replay = await fetch(http.url, {
        method: 'POST',
        headers: {
          Authorization: 'Bearer mallory-token',
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Mcp-Session-Id': sessionId,
          'Mcp-Protocol-Version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/list', params: {} }),
      });
      expect(replay.status).toBe(404);
      expect(await replay.text()).not.toContain(task.taskId);
    }
    // Alice, in a new session: the task ran on, and she reaches it through every method.
    expect((await again.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
    expect((await again.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    expect((await again.client.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    expect((await mallory.client.experimental.tasks.listTasks()).tasks).toEqual([]);
  });
});
