/**
 * An `initialize` with malformed params, on both SDK lines' servers (their own in-memory transports,
 * the raw client end) and over stateless Streamable HTTP (the demo's `McpHttpHost`, raw HTTP): -32602
 * with one line naming the field. Both lines parse these params inside the initialize handler the
 * library wraps (`transformInitialize`), and answered -32603 with a ZodError's JSON as message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as McpServerV2, InMemoryTransport as InMemoryTransportV2 } from '@modelcontextprotocol/server';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { testTaskSupport } from '../support/harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const clientInfo = { name: 'malformed-initialize', version: '1' };
/** Malformed params, and the one line each must be answered with. */
const CASES: Array<[Record<string, unknown>, string]> = [
  [
    { protocolVersion: '2025-11-25', capabilities: { elicitation: 'yes' }, clientInfo },
    'capabilities.elicitation: Invalid input: expected object, received string',
  ],
  [{ protocolVersion: 5, capabilities: {}, clientInfo }, 'protocolVersion: Invalid input: expected string, received number'],
  [
    { protocolVersion: '2025-11-25', capabilities: { tasks: { requests: 5 } }, clientInfo },
    'capabilities.tasks.requests: Invalid input: expected object, received number',
  ],
];

/** The raw client end of an in-memory pair, connected to a server with a task tool. */
interface RawEnd {
  start(): Promise<void>;
  send(message: unknown): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: unknown) => void;
}

async function connected(line: 'v1' | 'v2', tasks: TaskSupport): Promise<RawEnd> {
  const work = async () => ({ content: [] });
  if (line === 'v1') {
    const server = new McpServer({ name: 'malformed-initialize', version: '1' });
    tasks.registerTool(server, 'job', { taskSupport: 'optional', inputSchema: { a: z.string() } }, work);
    const [client, serverEnd] = InMemoryTransport.createLinkedPair();
    await server.connect(serverEnd);
    cleanups.push(() => server.close());
    return client as unknown as RawEnd;
  }
  const server = new McpServerV2({ name: 'malformed-initialize', version: '1' });
  tasks.registerTool(server, 'job', { taskSupport: 'optional', inputSchema: { a: z.string() } }, work);
  const [client, serverEnd] = InMemoryTransportV2.createLinkedPair();
  await server.connect(serverEnd);
  cleanups.push(() => server.close());
  return client as unknown as RawEnd;
}

describe.each(['v1', 'v2'] as const)('SDK %s server', (line) => {
  it.each(CASES)('answers initialize with %j as -32602 with one line', async (params, problem) => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const client = await connected(line, tasks);
    const answered = new Promise<unknown>((resolve) => (client.onmessage = resolve));
    await client.start();
    await client.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params });
    expect(await answered).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: `Invalid params for initialize: ${problem}` },
    });
  });

  it('still initializes with well-formed params (guard)', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    const client = await connected(line, tasks);
    const answered = new Promise<unknown>((resolve) => (client.onmessage = resolve));
    await client.start();
    await client.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
    });
    expect(await answered).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25', capabilities: { tasks: {} } } });
  });
});

it('stateless Streamable HTTP (McpHttpHost): a malformed initialize gets -32602 with one line', async () => {
  const tasks = testTaskSupport();
  const running = await serveHttp(tasks, createDemoMcpServer, { port: 0, sessions: false });
  cleanups.push(
    () => tasks.close(),
    () => running.close(),
  );
  const response = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: CASES[0]![0] }),
  });
  const text = await response.text();
  const message = JSON.parse(/^data: (.*)$/m.exec(text)![1]!) as unknown;
  expect(message).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: `Invalid params for initialize: ${CASES[0]![1]}` } });
});
