/**
 * A server task that follows its client's task (`elicitAsTask`) and ends meanwhile: cancelled by
 * its requestor, expired, or the server closed. The client must get `tasks/cancel` once, the
 * follow must stop (no `tasks/get` after, no actor, no timer of its own), and nothing may stay in
 * the task's queue. A real SDK v1 client with scripted task handlers over the SDK's in-memory link
 * and Streamable HTTP, on the in-memory backend and on a real redis-server of this file's own.
 */
import type { AnyActorRef } from 'xstate';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, newServer, setBackendFactory, sleep, testTaskSupport } from '../support/harness.js';
import { serveSessions } from '../support/httpServers.js';
import { ownRedis } from '../support/ownRedis.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { until } from '../support/until.js';
import { collectFollows } from '../support/followActors.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };
const redis = ownRedis();

const cleanups: (() => Promise<void>)[] = [];
const opened: RedisTaskBackend[] = [];
let prefix = '';
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  setBackendFactory(undefined);
  while (opened.length > 0) await opened.pop()!.close();
});

/** Timers alive in this process now. */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

async function setup(backend: 'memory' | 'redis', link: 'memory' | 'http') {
  if (backend === 'redis') {
    prefix = `t${randomBytes(6).toString('hex')}:`;
    setBackendFactory(async (instanceId) => {
      const opening = await createRedisTaskBackend({ url: redis.url, prefix, instanceId });
      opened.push(opening);
      return opening;
    });
  }
  const actors: AnyActorRef[] = [];
  const tasks = testTaskSupport({
    pollInterval: 1000,
    inspect: collectFollows(actors),
  });
  const createServer = (t: TaskSupport): McpServer => {
    const server = newServer();
    t.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: answer.action }] };
    });
    t.enable(server);
    return server;
  };
  const { client, received } = workingClient('follow-ends');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await tasks.close();
  };
  cleanups.push(close);
  if (link === 'http') {
    const http = await serveSessions(tasks, createServer);
    cleanups.push(() => http.close());
    await client.connect(new StreamableHTTPClientTransport(http.url));
  } else {
    const server = createServer(tasks);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanups.push(() => server.close());
  }
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  return { client, actors, count, close };
}

const ends = {
  cancelled: async (s: Awaited<ReturnType<typeof setup>>, taskId: string) => void (await s.client.experimental.tasks.cancelTask(taskId)),
  expired: async () => {},
  'the server closed': async (s: Awaited<ReturnType<typeof setup>>) => s.close(),
};

describe('a server task that ends while it follows its client’s task', () => {
  for (const backend of ['memory', 'redis'] as const) {
    for (const link of ['memory', 'http'] as const) {
      for (const [end, act] of Object.entries(ends)) {
        it(`${end}: the client gets tasks/cancel once, the follow stops and leaves nothing (${backend} backend, ${link} link)`, async () => {
          const s = await setup(backend, link);
          const baseline = timers();
          const { taskId } = await createTask(s.client, 'ask', {}, end === 'expired' ? 500 : 60_000);
          // Asked once the requestor polls its task (over HTTP the request waits for that).
          await s.client.experimental.tasks.getTask(taskId);
          await until(() => s.count('tasks/get client-task-1') >= 2, 'the follow to poll the client task');
          await act(s, taskId);
          await until(() => s.count('tasks/cancel client-task-1') === 1, 'the client task to be cancelled', 5_000);
          await until(() => s.actors.every((a) => a.getSnapshot().status !== 'active'), 'the follow to end');
          const polls = s.count('tasks/get');
          await sleep(100);
          expect(s.count('tasks/get')).toBe(polls);
          expect(s.count('tasks/cancel')).toBe(1);
          expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
          await until(() => timers() <= baseline, `the follow's timers to go (${timers()} now, ${baseline} before)`);
          if (backend === 'redis') {
            const left = await redis.admin.keys(`${prefix}{${taskId}}:*`);
            expect(left.filter((key) => key.endsWith(':queue') || key.endsWith(':open'))).toEqual([]);
          }
        });
      }
    }
  }
});
