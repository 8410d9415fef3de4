/**
 * `TasksExtensionClient` against servers that answer a `tools/call` without the extension's
 * `resultType`: a real SDK v1 `McpServer` that does not speak the extension (it answers a plain
 * `CallToolResult`), and a scripted JSON-RPC peer whose answers are malformed. A plain answer is
 * the call's result; a malformed one is one readable -32603 naming `tools/call`, never the bare
 * zod error (its issues as pretty-printed JSON). And options a call could not work with are
 * refused at construction.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TasksExtensionClient } from '../../src/client/index.js';

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closing.length > 0) await closing.pop()!();
});

async function connect(server: { connect(transport: InMemoryTransport): Promise<void> } | ((t: InMemoryTransport) => Promise<void>)) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await (typeof server === 'function' ? server(serverSide) : server.connect(serverSide));
  const client = new Client({ name: 'plain-answers-test', version: '1' });
  await client.connect(clientSide);
  closing.push(() => client.close());
  return client;
}

/** A scripted peer answering `tools/call` with `result`; the methods it was sent go to `sent`. */
function scripted(result: unknown, sent: string[] = []) {
  return async (serverSide: InMemoryTransport): Promise<void> => {
    serverSide.onmessage = (message: JSONRPCMessage) => {
      if ('method' in message) sent.push(message.method);
      if (!('method' in message) || !('id' in message)) return;
      const answer =
        message.method === 'initialize'
          ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } }
          : result;
      void serverSide.send({ jsonrpc: '2.0', id: message.id, result: answer } as JSONRPCMessage);
    };
    await serverSide.start();
  };
}

async function rejection(call: Promise<unknown>): Promise<McpError> {
  const error = await call.then(
    (result) => new Error(`resolved: ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  expect((error as McpError).code).toBe(ErrorCode.InternalError);
  expect((error as McpError).message).not.toContain('\n');
  return error as McpError;
}

describe('TasksExtensionClient and tools/call answers without resultType', () => {
  it("resolves with a plain SDK server's CallToolResult (a server that does not speak the extension)", async () => {
    const server = new McpServer({ name: 'plain', version: '1' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
    closing.push(() => server.close());
    const client = await connect(server);
    const result = await new TasksExtensionClient(client).callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
  });

  it.each([
    ['no resultType', { content: 'oops' }],
    ['resultType complete', { resultType: 'complete', content: [{ type: 'bogus' }] }],
  ])('rejects an inline answer that is no CallToolResult (%s) with one readable error', async (_name, answer) => {
    const client = await connect(scripted(answer));
    const error = await rejection(new TasksExtensionClient(client).callTool({ name: 'x' }));
    expect(error.message).toMatch(/^MCP error -32603: Invalid answer from the server to tools\/call: /);
  });

  it('rejects a rawToolCall answer that is no object with one readable error', async () => {
    const client = await connect(scripted({}));
    const helper = new TasksExtensionClient(client, { rawToolCall: async () => 'no object' as unknown as Record<string, unknown> });
    const error = await rejection(helper.callTool({ name: 'x' }));
    expect(error.message).toMatch(/^MCP error -32603: Invalid answer from the server to tools\/call: /);
  });
});

describe('TasksExtensionClient options at construction', () => {
  const client = new Client({ name: 'unconnected', version: '1' });

  it.each([0, -1, 0.5, NaN, Infinity, 2 ** 31, '1000'])('refuses defaultPollIntervalMs %o with a RangeError naming it', (bad) => {
    expect(() => new TasksExtensionClient(client, { defaultPollIntervalMs: bad as number })).toThrow(
      new RangeError(`TasksExtensionClient: defaultPollIntervalMs must be a number of ms from 1 to 2147483647, got ${String(bad)}`),
    );
  });

  it.each([0, -1, 2.5, NaN, -Infinity, '8'])('refuses maxConcurrentInputs %o with a RangeError naming it', (bad) => {
    expect(() => new TasksExtensionClient(client, { maxConcurrentInputs: bad as number })).toThrow(
      new RangeError(`TasksExtensionClient: maxConcurrentInputs must be a whole number of at least 1 (or Infinity), got ${String(bad)}`),
    );
  });

  it('takes the bounds themselves, and Infinity for no bound on inputs', () => {
    for (const options of [
      { defaultPollIntervalMs: 1 },
      { defaultPollIntervalMs: 2 ** 31 - 1 },
      { maxConcurrentInputs: 1 },
      { maxConcurrentInputs: Infinity },
    ]) {
      expect(() => new TasksExtensionClient(client, options)).not.toThrow();
    }
  });
});

describe('TasksExtensionClient requestTimeout of a call', () => {
  // setTimeout fires after 1 ms for each of these: every request timed out at once, the tools/call
  // after it had gone out (a task made for nobody), and waitForTask's give-up cancelled a task it resumed.
  it.each([0, -1, NaN, Infinity, 2 ** 31])('%o rejects the call with a RangeError before anything is sent', async (bad) => {
    const sent: string[] = [];
    const client = await connect(scripted({ resultType: 'complete', content: [] }, sent));
    const helper = new TasksExtensionClient(client);
    const refusal = new RangeError(`TasksExtensionClient: requestTimeout must be a number of ms from 1 to 2147483647, got ${String(bad)}`);
    await expect(helper.callTool({ name: 'x' }, { requestTimeout: bad })).rejects.toThrow(refusal);
    await expect(helper.waitForTask({ taskId: 't-1', status: 'working' }, { requestTimeout: bad })).rejects.toThrow(refusal);
    await expect(helper.cancelTask('t-1', { requestTimeout: bad })).rejects.toThrow(refusal);
    expect(sent.filter((method) => !['initialize', 'notifications/initialized'].includes(method))).toEqual([]);
  });
});
