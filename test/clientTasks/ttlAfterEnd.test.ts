/**
 * A client task whose end the client reported while the follow held its `tasks/result` open
 * (`input_required`, then `notifications/tasks/status` `completed`), and whose result arrives after
 * the task's ttl. From the end report on, `tasks/result` has its own bound (60 s); the ttl bounds a
 * task still running. Reported completed from `working`, the follow already did so (`retrieving`
 * has no ttl); reported from `input_required`, the ttl still ran, and the answer the client then
 * gave was dropped for "The client task reached its ttl unfinished": for a ttl one timer waits (the
 * machine's) and for one past a timer's reach (waited out in steps by src/engine/ClientTasks.ts).
 *
 * A real SDK v1 client declaring `tasks.requests.elicitation.create`, on the SDK's in-memory link,
 * answers an inline call's `elicitAsTask` with a task (an SDK v1 server); fake timers from the call on.
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, ElicitRequestSchema, GetTaskPayloadRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import { deferred, testTaskSupport } from '../support/harness.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { drain, track, until } from '../support/until.js';
import { collectFollows } from '../support/followActors.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Less than the 24 h an open tasks/result waits before the client reported its end. */
const DAY = 20 * 60 * 60 * 1000;
const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a client task reported completed while its tasks/result is open, answered after its ttl', () => {
  for (const ttl of [10_000, MAX_TIMER_MS + 10_000]) {
    it(`gives the work the client's answer, not "reached its ttl" (ttl ${ttl} ms)`, async () => {
      const actors: AnyActorRef[] = [];
      const tasks = testTaskSupport({
        inspect: collectFollows(actors),
      });
      cleanups.push(() => tasks.close());
      // SDK v1: an inline call on SDK v2 follows with v2's 60 s request timeout (docs/protocols.md).
      const server = new McpServer({ name: 'ttl-after-end', version: '1.0.0' });
      tasks.registerTool(server, 'ask', { taskSupport: 'optional' }, async (_args, task) => {
        try {
          const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
          return { content: [{ type: 'text', text: `answered ${answer.action}` }] };
        } catch (error) {
          return { content: [{ type: 'text', text: `failed: ${(error as Error).message}` }] };
        }
      });
      tasks.enable(server);
      const client = new Client(
        { name: 'late-result', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
      );
      const answer = deferred<Result>();
      let resultAsked = 0;
      client.setRequestHandler(ElicitRequestSchema, () => ({ task: clientTask('client-task-1', 'input_required', { ttl }) }) as never);
      client.setRequestHandler(GetTaskPayloadRequestSchema, () => {
        resultAsked++;
        return answer.promise as never;
      });
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      await client.connect(clientTransport);
      cleanups.push(() => server.close());
      cleanups.push(() => client.close());
      // The client's own request timeout is armed with real timers, before the fake ones.
      const call = track(
        client
          .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema)
          .then((result: CallToolResult) => (result.content[0] as { text: string }).text),
      );
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await until(() => resultAsked === 1, 'the follow to open tasks/result');
      // An open tasks/result waits 24 h at most before the end is reported: a ttl past that is
      // reached with the client's task going working and input_required again (a new tasks/result).
      for (let waited = 0; waited + DAY < ttl - 5_000; waited += DAY) {
        await vi.advanceTimersByTimeAsync(DAY);
        for (const status of ['working', 'input_required']) {
          await client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', status, { ttl }) });
        }
        const asked = resultAsked;
        await until(() => resultAsked === asked + 1, 'the follow to open tasks/result again');
      }
      await vi.advanceTimersByTimeAsync((ttl - 5_000) % DAY);
      await client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', 'completed', { ttl }) });
      // Past the ttl, within the 60 s tasks/result has once the end is reported.
      await vi.advanceTimersByTimeAsync(10_000);
      await drain();
      expect(call.settled).toBeUndefined();
      answer.resolve({ action: 'accept', content: { ok: true } });
      await until(() => call.settled !== undefined, 'the call to end');
      expect(call.settled).toEqual({ ok: true, value: 'answered accept' });
      expect(actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
    });
  }
});
