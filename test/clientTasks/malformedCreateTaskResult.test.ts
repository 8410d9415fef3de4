/**
 * A client that answers an inline call's task-augmented `elicitation/create` (a plain `tools/call`
 * of an optional tool, whose work calls `elicitAsTask`) with something that is no CreateTaskResult.
 * An SDK client checks its own answers, so this client is raw JSON-RPC on the SDK's in-memory link,
 * in front of a real server. The work must get one readable error, not the zod issues as JSON.
 */
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { newServer, testTaskSupport } from '../support/harness.js';
import { until } from '../support/until.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The answer to the raw client's request `id`: its result, or its error. */
type Answer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

describe('an inline call whose client answers its task-augmented request with no CreateTaskResult', () => {
  it('gives the work one readable error', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const server = newServer();
    let asked: unknown;
    tasks.registerTool(server, 'askInline', { taskSupport: 'optional' }, async (_args, task) => {
      try {
        const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
        return { content: [{ type: 'text', text: `answered: ${JSON.stringify(answer)}` }] };
      } catch (error) {
        asked = error;
        throw error;
      }
    });
    tasks.enable(server);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    cleanups.push(() => server.close());
    const answers = new Map<string | number, Answer>();
    const received: string[] = [];
    clientSide.onmessage = (message: JSONRPCMessage) => {
      if ('method' in message && 'id' in message) {
        received.push(message.method);
        // The task-augmented elicitation/create: a task whose id is a number, with no status.
        void clientSide.send({ jsonrpc: '2.0', id: message.id, result: { task: { taskId: 5 } } });
      } else if ('id' in message && message.id !== undefined) answers.set(message.id, message as Answer);
    };
    await clientSide.start();
    const send = (message: Record<string, unknown>): Promise<void> => clientSide.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage);
    await send({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } },
        clientInfo: { name: 'raw', version: '1' },
      },
    });
    await until(() => answers.has(1), 'initialize to be answered');
    await send({ method: 'notifications/initialized' });
    await send({ id: 2, method: 'tools/call', params: { name: 'askInline', arguments: {} } });
    await until(() => answers.has(2), 'the tools/call to be answered');

    expect(received).toEqual(['elicitation/create']);
    expect(asked).toBeInstanceOf(Error);
    const message = (asked as Error).message;
    expect(message).toContain('Invalid answer from the client: task.taskId: Invalid input: expected string, received number');
    expect(message).not.toContain('\n');
    const answer = answers.get(2)!;
    expect(JSON.stringify(answer)).toContain('Invalid answer from the client');
  });
});
