// A 2026-style request without the tasks extension runs an `optional` tool inline; what that run may
// ask of the client is decided by the request's own capabilities (`_meta`), never by the session's
// initialize (docs/protocols.md, "How a request picks its protocol").
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

const FORM = { type: 'object' as const, properties: {} };

let tasks: TaskSupport;
let sessions: Session[];
/** The requests each session's client received, in order. */
let received: Map<Session, { method: string; params?: Record<string, unknown> }[]>;

beforeEach(() => {
  tasks = testTaskSupport();
  sessions = [];
  received = new Map();
});
afterEach(async () => {
  for (const session of sessions) await session.close();
  await tasks.close();
});

/** A session whose initialize declares `capabilities`; its client answers every elicitation and sampling request. */
async function connect(capabilities: ClientCapabilities): Promise<Session> {
  const session = await connectInMemory(
    tasks,
    (server) => {
      tasks.registerTool(server, 'confirm', { taskSupport: 'optional' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'go?', requestedSchema: FORM });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      tasks.registerTool(server, 'confirmAsTask', { taskSupport: 'optional' }, async (_args, task) => {
        const answer = await task.elicitAsTask({ message: 'go?', requestedSchema: FORM });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      tasks.registerTool(server, 'summarize', { taskSupport: 'optional' }, async (_args, task) => {
        const reply = await task.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 });
        return { content: [{ type: 'text', text: reply.model }] };
      });
    },
    capabilities,
  );
  const requests: { method: string; params?: Record<string, unknown> }[] = [];
  received.set(session, requests);
  // The fallback handler, not setRequestHandler: the SDK client refuses a handler for a capability
  // its initialize did not declare, and these tests declare some only per request.
  session.client.fallbackRequestHandler = async (request) => {
    requests.push({ method: request.method, ...(request.params === undefined ? {} : { params: request.params }) });
    if (request.method === 'elicitation/create') return { action: 'accept', content: {} };
    return { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'test-model' };
  };
  sessions.push(session);
  return session;
}

function call(session: Session, name: string, capabilities?: ClientCapabilities): Promise<Record<string, unknown>> {
  const meta = capabilities === undefined ? {} : { _meta: { [CLIENT_CAPABILITIES_META_KEY]: capabilities } };
  return session.client.request({ method: 'tools/call', params: { name, arguments: {}, ...meta } }, z.looseObject({}));
}

it('refuses elicitation and sampling to a request whose own capabilities lack them, though the session’s initialize declared them', async () => {
  const session = await connect({ elicitation: {}, sampling: {} });
  // What the library answers a 2025-11-25 inline call from a client that declared neither.
  const bare = await connect({});
  for (const [tool, capability] of [
    ['confirm', 'elicitation'],
    ['summarize', 'sampling'],
  ] as const) {
    const refusal = { content: [{ type: 'text', text: `The client did not declare the '${capability}' capability` }], isError: true };
    expect(await call(bare, tool)).toEqual(refusal);
    expect(await call(session, tool, {})).toEqual({ ...refusal, resultType: 'complete' });
  }
  expect(received.get(session)).toEqual([]);
});

it('sends elicitation and sampling a request’s own capabilities declare, though the session’s initialize did not', async () => {
  const session = await connect({});
  expect(await call(session, 'confirm', { elicitation: {} })).toEqual({
    content: [{ type: 'text', text: 'accept' }],
    resultType: 'complete',
  });
  expect(await call(session, 'summarize', { sampling: {} })).toEqual({
    content: [{ type: 'text', text: 'test-model' }],
    resultType: 'complete',
  });
  expect(received.get(session)?.map((request) => request.method)).toEqual(['elicitation/create', 'sampling/createMessage']);
});

it('sends elicitAsTask of an inline 2026-style call as the plain request, whatever client tasks the session declared', async () => {
  const declared: ClientCapabilities = { elicitation: {}, tasks: { requests: { elicitation: { create: {} } } } };
  const session = await connect(declared);
  expect(await call(session, 'confirmAsTask', declared)).toEqual({ content: [{ type: 'text', text: 'accept' }], resultType: 'complete' });
  const requests = received.get(session) ?? [];
  expect(requests.map((request) => request.method)).toEqual(['elicitation/create']);
  expect(requests[0]?.params).not.toHaveProperty('task');
});
