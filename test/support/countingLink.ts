import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { expect } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC answer as the bare client gets it. */
export type Answer = JSONRPCMessage & { result?: Record<string, unknown>; error?: { code: number; message: string } };

/** A bare JSON-RPC client on `server` (see {@link countingLink}). */
export interface CountingLink {
  /** Sends a request; with `count`, counts turns of the microtask queue until the server sends its answer. */
  request(method: string, params: Record<string, unknown>, count?: boolean): Promise<Answer>;
  /** Turns of the microtask queue from the last counted request's send to the server's send of its answer. */
  turnsToAnswer(): number;
}

/**
 * Connects a bare JSON-RPC client to `server` over the SDK's in-memory link (initialize handshake
 * included), counting turns of the microtask queue between a request and the server's answer: one
 * `queueMicrotask` after another from the request's send, read when the server's transport sends.
 */
export async function countingLink(server: McpServer): Promise<CountingLink> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let turns = 0;
  let counting = false;
  let answeredAt = -1;
  const tick = (): void => {
    if (!counting) return;
    turns++;
    if (turns < 100) queueMicrotask(tick);
  };
  const send = serverSide.send.bind(serverSide);
  serverSide.send = (message, options) => {
    if (counting && 'id' in message && answeredAt < 0) answeredAt = turns;
    return send(message, options);
  };
  await server.connect(serverSide);
  const waiting = new Map<number, (message: Answer) => void>();
  clientSide.onmessage = (message) => {
    if ('id' in message && waiting.has(Number(message.id))) waiting.get(Number(message.id))!(message as Answer);
  };
  await clientSide.start();
  let nextId = 1;
  const request = (method: string, params: Record<string, unknown>, count = false): Promise<Answer> =>
    new Promise<Answer>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      if (count) {
        turns = 0;
        answeredAt = -1;
        counting = true;
        queueMicrotask(tick);
      }
      void clientSide.send({ jsonrpc: '2.0', id, method, params });
    });
  await request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'c', version: '1' } });
  await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { request, turnsToAnswer: () => answeredAt };
}

/** A session of {@link instantTaskSession}: the counting client, and `create`, which waits for the task's end. */
export interface InstantTaskSession extends CountingLink {
  /** A task-augmented call of the `instant` tool (its work answers "done" at once); resolves with the id once it completed. */
  create(ttl?: number): Promise<string>;
}

/**
 * A new McpServer on `tasks` with one task tool, `instant`, and a {@link countingLink} to it; the
 * server's close goes to `track` (call it after the test).
 */
export async function instantTaskSession(tasks: TaskSupport, track: (close: () => Promise<void>) => void): Promise<InstantTaskSession> {
  const server = new McpServer({ name: 's', version: '1.0.0' });
  tasks.registerTool(server, 'instant', { taskSupport: 'required' }, () => ({ content: [{ type: 'text', text: 'done' }] }));
  tasks.enable(server);
  track(() => server.close());
  const link = await countingLink(server);
  const create = async (ttl = 60_000): Promise<string> => {
    const created = await link.request('tools/call', { name: 'instant', arguments: {}, task: { ttl } });
    const taskId = (created.result as { task: { taskId: string } }).task.taskId;
    for (let i = 0; i < 200 && (await tasks.store.get(taskId))?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 2));
    return taskId;
  };
  return { ...link, create };
}

/**
 * Asks `tasks/result` for an `instant` task that ended, and checks the answer (its outcome with
 * the related-task meta) went out within 4 turns of the microtask queue of the request.
 */
export async function expectAnsweredAtOnce(session: CountingLink, taskId: string): Promise<Answer> {
  const answer = await session.request('tasks/result', { taskId }, true);
  expect(answer.result).toEqual({
    content: [{ type: 'text', text: 'done' }],
    _meta: { 'io.modelcontextprotocol/related-task': { taskId } },
  });
  // -1: the answer was never sent while counting.
  expect(session.turnsToAnswer()).toBeGreaterThanOrEqual(0);
  expect(session.turnsToAnswer()).toBeLessThanOrEqual(4);
  return answer;
}
