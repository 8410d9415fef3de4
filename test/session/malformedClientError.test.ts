// A client's answer to a task's request reaches the session router before any SDK code. A transport
// that checks no JSON-RPC schema (the SDK's in-memory one, or a user's own) hands over an `error` that
// is no `{ code, message }`: `error: null` threw out of the transport's onmessage with the request
// untracked (the task waited for ever), `error: {}` failed the task with "Tool returned a result that
// is not JSON: Cannot read properties of undefined (reading 'startsWith')". The work now gets what it
// gets for a result of the wrong shape: -32602 "Invalid answer from the client: …".
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { eventually, newServer, testTaskSupport } from '../support/harness.js';

type Wire = Record<string, unknown> & { id?: unknown; method?: string; result?: unknown; error?: unknown };

let tasks: TaskSupport | undefined;
let seen: unknown[] = [];
afterEach(async () => {
  await tasks?.close();
  seen = [];
});

/** A raw client on the SDK's in-memory transport, to a server with one task tool that elicits once. */
async function rawSession(): Promise<{
  request(method: string, params: unknown): Promise<Wire>;
  send(m: Wire): Promise<void>;
  inbox: Wire[];
}> {
  const t = (tasks = testTaskSupport());
  const server = newServer();
  t.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
    try {
      const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: answer.action }] };
    } catch (error) {
      seen.push(error);
      throw error;
    }
  });
  const [client, serverEnd] = InMemoryTransport.createLinkedPair();
  await server.connect(serverEnd);
  const inbox: Wire[] = [];
  const waiting = new Map<unknown, (m: Wire) => void>();
  client.onmessage = (message) => {
    const m = message as Wire;
    inbox.push(m);
    if (m.method === undefined) waiting.get(m.id)?.(m);
  };
  await client.start();
  let next = 1;
  const send = (m: Wire): Promise<void> => client.send({ jsonrpc: '2.0', ...m } as JSONRPCMessage);
  const request = (method: string, params: unknown): Promise<Wire> => {
    const id = next++;
    const answered = new Promise<Wire>((resolve) => waiting.set(id, resolve));
    return send({ id, method, params }).then(() => answered);
  };
  const clientInfo = { name: 'raw', version: '1' };
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo });
  await send({ method: 'notifications/initialized' });
  return { request, send, inbox };
}

describe('an answer whose JSON-RPC error is malformed', () => {
  const malformed: [string, unknown][] = [
    ['null', null],
    ['a string', 'no'],
    ['{}', {}],
    ['a fractional code', { code: 1.5, message: 'x' }],
    ['a message that is no string', { code: -1, message: 5 }],
  ];
  for (const [name, error] of malformed) {
    it(`(${name}) fails the ask with -32602 "Invalid answer from the client", and tasks/result says so`, async () => {
      const s = await rawSession();
      const created = await s.request('tools/call', { name: 'ask', arguments: {}, task: {} });
      const taskId = (created.result as { task: { taskId: string } }).task.taskId;
      await eventually(() => s.inbox.some((m) => m.method === 'elicitation/create'));
      const asked = s.inbox.find((m) => m.method === 'elicitation/create')!;
      await s.send({ id: asked.id, error });
      const result = await s.request('tasks/result', { taskId });
      expect(result.error).toEqual({
        code: -32602,
        message: 'Invalid answer from the client: a JSON-RPC error needs an integer code and a string message',
      });
      expect(seen).toHaveLength(1);
    });
  }

  it('(control) a well-formed error reaches the work with its code, message and data', async () => {
    const s = await rawSession();
    const created = await s.request('tools/call', { name: 'ask', arguments: {}, task: {} });
    const taskId = (created.result as { task: { taskId: string } }).task.taskId;
    await eventually(() => s.inbox.some((m) => m.method === 'elicitation/create'));
    const asked = s.inbox.find((m) => m.method === 'elicitation/create')!;
    await s.send({ id: asked.id, error: { code: -32000, message: 'user said no', data: { why: 'busy' } } });
    const result = await s.request('tasks/result', { taskId });
    expect(result.error).toEqual({ code: -32000, message: 'user said no', data: { why: 'busy' } });
  });
});
