/**
 * The ttl a client grants the task it runs for the server (its CreateTaskResult's `ttl`) is any
 * number the client sends. The follow timed it with one Node timer: a ttl past 2^31 - 1 ms (about
 * 24.8 days) ended the follow then as "reached its ttl", days early, and a negative one after 1 ms,
 * before the user could answer. A long ttl is now waited out in steps; one that is no duration is
 * followed as no ttl (with one warning): the follow still ends when the client reports its task
 * over or can no longer say how it is.
 *
 * A real SDK v1 client declaring `tasks.requests.elicitation.create`, on the SDK's in-memory link,
 * answers an inline call's `elicitAsTask` with a task and scripted `tasks/get` / `tasks/result`.
 */
import type { AnyActorRef } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import { newServer, testTaskSupport } from '../support/harness.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { drain, track, until } from '../support/until.js';
import { collectFollows } from '../support/followActors.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Script {
  create: Result;
  get: () => Result;
  result?: Result;
}

/** A server whose optional tool `ask` elicits as a task, and the scripted client; returns the call's answer text and the follow's actors. */
async function ask(script: Script, beforeCall: () => void = () => {}) {
  const actors: AnyActorRef[] = [];
  const warnings: string[] = [];
  const tasks = testTaskSupport({
    logger: { warn: (...parts: unknown[]) => void warnings.push(parts.map(String).join(' ')), error: () => {} },
    inspect: collectFollows(actors),
  });
  cleanups.push(() => tasks.close());
  const server = newServer();
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
    { name: 'ttl-client', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  const never = new Promise<never>(() => {});
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    received.push(request.method);
    return script.create as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, () => {
    received.push('tasks/get');
    return script.get() as never;
  });
  client.setRequestHandler(GetTaskPayloadRequestSchema, () => {
    received.push('tasks/result');
    return (script.result ?? never) as never;
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  cleanups.push(() => server.close());
  cleanups.push(() => client.close());
  // The client's own request timeout is armed here, with real timers (see beforeCall).
  const call = track(
    client
      .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema)
      .then((result: CallToolResult) => (result.content[0] as { text: string }).text),
  );
  beforeCall();
  await until(() => actors.length === 1 && activeState(actors[0]!) !== undefined, 'the follow of the client task');
  return { call, actors, received, warnings };
}

const following = (actors: AnyActorRef[]): boolean => actors[0]!.getSnapshot().status === 'active';
/** The follow's state under `active` (working, input_required), if it is there. */
const activeState = (actor: AnyActorRef): unknown => (actor.getSnapshot() as { value: unknown }).value?.['active' as never];

describe('a client task whose ttl is past what one Node timer can wait', () => {
  for (const [reportedAtTtl, status] of [
    ['still working', 'working'],
    ['input_required from a poll before it', 'input_required'],
  ] as const) {
    it(`is followed for the whole ttl, then fails the ask as reached its ttl (${reportedAtTtl})`, async () => {
      const ttl = MAX_TIMER_MS + 1000;
      const report = (): Result => clientTask('client-task-1', status, { ttl, pollInterval: MAX_TIMER_MS });
      const { call, actors } = await ask(
        { create: { task: clientTask('client-task-1', 'working', { ttl, pollInterval: MAX_TIMER_MS }) }, get: report },
        () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }),
      );
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
      await drain();
      expect(call.settled, 'the ask ended after one timer’s reach').toBeUndefined();
      expect(following(actors)).toBe(true);
      await vi.advanceTimersByTimeAsync(999);
      await drain();
      expect(call.settled, 'the ask ended 1 ms before the ttl').toBeUndefined();
      expect(activeState(actors[0]!)).toBe(status);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => call.settled !== undefined, 'the ask to end at the ttl');
      expect(call.settled).toEqual({ ok: true, value: 'failed: The client task reached its ttl unfinished' });
      expect(following(actors)).toBe(false);
    });
  }
});

describe('a client task whose ttl is no duration', () => {
  it('is followed as without a ttl (with one warning) until the client reports it done', async () => {
    let polls = 0;
    const { call, actors, warnings } = await ask({
      create: { task: clientTask('client-task-1', 'working', { ttl: -5, pollInterval: 10 }) },
      // Done at the fifth poll: some 50 ms after the 1 ms a negative timer fires after.
      get: () => clientTask('client-task-1', ++polls < 5 ? 'working' : 'completed', { ttl: -5, pollInterval: 10 }),
      result: { action: 'accept', content: { ok: true } },
    });
    await until(() => call.settled !== undefined, 'the ask to end');
    expect(call.settled).toEqual({ ok: true, value: 'answered accept' });
    expect(polls).toBe(5);
    expect(following(actors)).toBe(false);
    expect(warnings).toEqual(['mcp-task-actors: the client gave its task client-task-1 the ttl -5, no duration: followed without one']);
  });
});
