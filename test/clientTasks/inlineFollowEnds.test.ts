/**
 * An inline call (a plain `tools/call` of an `optional` tool) whose work follows a client task
 * (`elicitAsTask`) and ends first: it returns without awaiting the ask, or its caller cancels it.
 * The client must get `tasks/cancel` once: on the call's own stream when it returned (sent before
 * its answer), on the session's when it was cancelled (the SDK refuses to send on a cancelled
 * request's stream), and the follow
 * must stop (no `tasks/get` after, no actor). A real SDK v1 client with scripted task handlers in
 * front of an SDK v1 and an SDK v2 McpServer, over the SDK's in-memory link and Streamable HTTP;
 * and the SDK v2 client with the official ext-tasks receiver (`bindTaskReceiver`) for the cancel.
 *
 * Before: a follow whose call returned polled on under the root actor until the client's task
 * ended (in memory; over HTTP it ended on "No connection established"), never cancelling it; a
 * cancelled call's `tasks/cancel` went on the cancelled call's stream, which the SDK refused, and
 * the client's task ran on to its ttl.
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ClientV2,
  InMemoryTransport as InMemoryTransportV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { bindTaskReceiver } from '@modelcontextprotocol/ext-tasks/receiver';
import { deferred, sleep, testTaskSupport } from '../support/harness.js';
import { inlineFollowServer } from '../support/inlineFollowServer.js';
import { serveLineSessions } from '../support/lineSessions.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { until } from '../support/until.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Line = 'v1' | 'v2';
type Link = 'memory' | 'http';

/**
 * A server with two `optional` tools: `drop` starts an `elicitAsTask`, waits for `proceed`, and
 * returns without awaiting the ask; `ask` awaits it. The client answers the elicitation with its
 * task `client-task-1`, which stays `working`.
 */
async function setup(line: Line, link: Link) {
  const { tasks, create, proceed, actors, warnings } = inlineFollowServer(line);
  const { client, received } = workingClient('inline-follow-ends');
  cleanups.push(() => tasks.close());
  if (link === 'http') {
    const http = await serveLineSessions(line, tasks, create);
    cleanups.push(() => http.close());
    await client.connect(new StreamableHTTPClientTransport(http.url));
  } else {
    const server = create();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanups.push(() => server.close());
  }
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  return { client, actors, warnings, count, proceed };
}

/** Once the follow ended: it sent the client's task one tasks/cancel, polls no more, and its actor is done. */
async function followEnded(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  await until(() => s.count('tasks/cancel client-task-1') === 1, 'the client task to be cancelled');
  await until(() => s.actors.every((a) => a.getSnapshot().status !== 'active'), 'the follow to end');
  const polls = s.count('tasks/get');
  await sleep(100);
  expect(s.count('tasks/get')).toBe(polls);
  expect(s.count('tasks/cancel')).toBe(1);
  expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  expect(s.warnings.filter((w) => w.includes('tasks/cancel'))).toEqual([]);
}

for (const line of ['v1', 'v2'] as const) {
  for (const link of ['memory', 'http'] as const) {
    describe(`an inline call following its client's task ends first (SDK ${line} server, ${link} link)`, () => {
      it('it returned without awaiting the ask: the client task is cancelled once and the follow stops', async () => {
        const s = await setup(line, link);
        const call = s.client.request({ method: 'tools/call', params: { name: 'drop', arguments: {} } }, CallToolResultSchema);
        await until(() => s.count('tasks/get client-task-1') >= 2, 'the follow to poll the client task');
        s.proceed.resolve();
        expect((await call).content).toEqual([{ type: 'text', text: 'returned' }]);
        await followEnded(s);
      });

      it('its caller cancelled it: the client task is cancelled once, on the session, and the follow stops', async () => {
        const s = await setup(line, link);
        const abort = new AbortController();
        const call = s.client
          .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema, { signal: abort.signal })
          .catch(() => 'cancelled');
        await until(() => s.count('tasks/get client-task-1') >= 2, 'the follow to poll the client task');
        abort.abort('the user gave up');
        expect(await call).toBe('cancelled');
        await followEnded(s);
      });
    });
  }
}

describe("a cancelled inline call following a task of the SDK v2 client's own receiver (ext-tasks bindTaskReceiver)", () => {
  for (const link of ['memory', 'http'] as const) {
    it(`the receiver is told with tasks/cancel: its task's signal aborts and it ends cancelled (SDK v1 server, ${link} link)`, async () => {
      const actors: AnyActorRef[] = [];
      const tasks = testTaskSupport({
        pollInterval: 1000,
        inspect: (event) => {
          const actor = event.actorRef as AnyActorRef;
          if (event.type === '@xstate.actor' && actor.id.startsWith('clientTask-')) actors.push(actor);
        },
      });
      cleanups.push(() => tasks.close());
      const create = (): McpServer => {
        const server = new McpServer({ name: 's', version: '1' });
        tasks.registerTool(server, 'ask', { taskSupport: 'optional' }, async (_args, task) => {
          const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
          return { content: [{ type: 'text', text: answer.action }] };
        });
        tasks.enable(server);
        return server;
      };
      const client = new ClientV2(
        { name: 'v2-receiver', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} }, tasks: { list: {}, cancel: {}, requests: { elicitation: { create: {} } } } } },
      );
      const started = deferred<string>();
      const aborted = deferred<string>();
      const binding = bindTaskReceiver(client, {
        methods: { 'elicitation/create': true },
        ttlMs: 60_000,
        pollIntervalMs: 10,
        // The callback's rejection once its task is cancelled is reported here: expected.
        onError: () => {},
        elicitation: (_request, context) => {
          started.resolve(context.taskId);
          return new Promise((_resolve, reject) =>
            context.signal.addEventListener('abort', () => {
              aborted.resolve(context.taskId);
              reject(new Error('cancelled'));
            }),
          );
        },
      });
      cleanups.push(async () => binding.close());
      if (link === 'http') {
        const http = await serveLineSessions('v1', tasks, create);
        cleanups.push(() => http.close());
        await client.connect(new StreamableHTTPClientTransportV2(http.url));
      } else {
        const server = create();
        const [clientTransport, serverTransport] = InMemoryTransportV2.createLinkedPair();
        await server.connect(serverTransport as never);
        await client.connect(clientTransport);
        cleanups.push(() => server.close());
      }
      cleanups.push(() => client.close());
      const abort = new AbortController();
      const call = client.callTool({ name: 'ask', arguments: {} }, { signal: abort.signal }).catch(() => 'cancelled');
      const clientTaskId = await started.promise;
      // Cancelled once the server follows the client's task (its CreateTaskResult came back).
      const following = (): boolean => {
        const value: unknown = (actors[0]?.getSnapshot() as { value?: unknown } | undefined)?.value;
        return typeof value === 'object' && value !== null && 'active' in value;
      };
      await until(following, 'the follow to take the client task');
      abort.abort('the user gave up');
      expect(await call).toBe('cancelled');
      expect(await aborted.promise).toBe(clientTaskId);
    });
  }
});
