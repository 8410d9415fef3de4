/**
 * A batch line (a JSON array of messages) on stdio, on both SDK lines. 2025-03-26 clients may send
 * batches, and both SDKs' Streamable HTTP transports serve them; both stdio transports parse each line
 * with the one-message schema, report the array as an error and drop it. Before
 * src/sdk/stdioRequestLines.ts handed a batch over one message at a time, none of its requests was
 * ever answered: the client waited forever.
 */
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport as StdioV1 } from '@modelcontextprotocol/sdk/server/stdio.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { StdioServerTransport as StdioV2 } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../src/index.js';
import { eventually } from '../support/harness.js';
import { stdioLines } from './v1/stdioLines.js';
import type { StdioLines, WireAnswer } from './v1/stdioLines.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stdio session of the given SDK line: a plain `echo` tool and a task tool `square`; `answers`: every answer line read. */
async function open(line: 'v1' | 'v2'): Promise<{ io: StdioLines; answers: WireAnswer[]; errors: string[] }> {
  const tasks = TaskSupport.inMemory();
  const io = stdioLines();
  const answers: WireAnswer[] = [];
  let pending = '';
  io.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
      answers.push(JSON.parse(pending.slice(0, end)) as WireAnswer);
      pending = pending.slice(end + 1);
    }
  });
  const errors: string[] = [];
  const echo = async ({ text }: { text: string }) => ({ content: [{ type: 'text' as const, text }] });
  const square = async ({ n }: { n: number }) => ({ content: [{ type: 'text' as const, text: String(n * n) }] });
  if (line === 'v1') {
    const server = new McpServerV1({ name: 'stdio-batch', version: '1' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, echo);
    tasks.registerTool(server, 'square', { taskSupport: 'optional', inputSchema: { n: z.number() } }, square);
    server.server.onerror = (error) => void errors.push(String(error));
    await server.connect(new StdioV1(io.stdin, io.stdout));
    cleanups.push(() => server.close());
  } else {
    const server = new McpServerV2({ name: 'stdio-batch', version: '1' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, echo);
    tasks.registerTool(server, 'square', { taskSupport: 'optional', inputSchema: { n: z.number() } }, square);
    server.server.onerror = (error) => void errors.push(String(error));
    await server.connect(new StdioV2(io.stdin, io.stdout));
    cleanups.push(() => server.close());
  }
  cleanups.push(() => tasks.close());
  await io.open();
  return { io, answers, errors };
}

const batchLine = (messages: unknown[]): string => `${JSON.stringify(messages)}\n`;

describe.each(['v1', 'v2'] as const)('SDK %s stdio: a batch line', (line) => {
  it('has each of its requests answered, a task call and a malformed one included, and its notifications taken', async () => {
    const { io, answers } = await open(line);
    io.stdin.write(
      batchLine([
        { jsonrpc: '2.0', id: 'echo', method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'none', progress: 1 } },
        { jsonrpc: '2.0', id: 'task', method: 'tools/call', params: { name: 'square', arguments: { n: 3 }, task: {} } },
        { jsonrpc: '2.0', id: 'bad', method: 'tools/call', params: [1] },
        'not a message',
        { jsonrpc: '2.0', id: 'ping', method: 'ping' },
      ]),
    );
    // Answers only (a task's status notification may come too), each request's once.
    await eventually(() => answers.filter((answer) => answer.id !== 'init' && !('method' in answer)).length === 4);
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    expect(byId.get('echo')).toMatchObject({ result: { content: [{ type: 'text', text: 'hi' }] } });
    expect(byId.get('task')).toMatchObject({ result: { task: { status: expect.any(String) } } });
    expect(byId.get('bad')).toMatchObject({ error: { code: -32602 } });
    expect(byId.get('ping')).toMatchObject({ result: {} });
    // The line after the batch is read as before.
    await expect(io.request({ id: 'after', method: 'ping' })).resolves.toMatchObject({ id: 'after', result: {} });
  });

  it('of nothing (or of no messages) is reported and dropped as before, and the next line is served', async () => {
    const { io, errors } = await open(line);
    io.stdin.write(batchLine([]));
    io.stdin.write(batchLine([1, 'two']));
    await expect(io.request({ id: 'after', method: 'ping' })).resolves.toMatchObject({ id: 'after', result: {} });
    expect(errors).toHaveLength(2);
  });
});
