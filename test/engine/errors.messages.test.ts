import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/** A 2026-style request: per-request client capabilities declaring the tasks extension. */
const EXTENSION_META = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } };

interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

let tasks: TaskSupport;
let session: Session;
/** Every JSON-RPC error response the client received, as it crossed the wire. */
let wireErrors: WireError[];

beforeEach(async () => {
  tasks = testTaskSupport({ promoteAfter: 1000 });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(
      server,
      'deploy',
      { taskSupport: 'optional', inputSchema: { env: z.enum(['staging', 'prod']), replicas: z.number().int() } },
      async ({ env }) => ({ content: [{ type: 'text', text: `deployed to ${env}` }] }),
    );
    tasks.registerTool(server, 'broken', { taskSupport: 'optional' }, async () => ({ content: 'not a list' }) as never);
  });
  wireErrors = [];
  const transport = session.client.transport!;
  const deliver = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    if ('error' in message) wireErrors.push(message.error as WireError);
    deliver.call(transport, message, extra);
  };
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

/** Sends one request on the given path and returns the JSON-RPC error that came back on the wire. */
async function errorOn(path: '2025' | 'extension', method: string, params: Record<string, unknown>): Promise<WireError> {
  const client: Client = session.client;
  const sent = path === '2025' ? params : { ...params, _meta: EXTENSION_META };
  const before = wireErrors.length;
  const thrown = await client.request({ method, params: sent }, z.looseObject({})).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown, `${method} on the ${path} path must fail`).toBeInstanceOf(McpError);
  const received = wireErrors.slice(before);
  expect(received).toHaveLength(1);
  // The SDK client adds exactly one "MCP error <code>: " to what the server sent, never two.
  expect((thrown as McpError).message).toBe(`MCP error ${received[0]!.code}: ${received[0]!.message}`);
  return received[0]!;
}

/** The same bad request on both paths: the same code, data and message, one readable line without a prefix. */
async function sameOnBothPaths(method: string, params: Record<string, unknown>): Promise<WireError> {
  const legacy = await errorOn('2025', method, params);
  const extension = await errorOn('extension', method, params);
  expect(extension).toEqual(legacy);
  expect(legacy.message).not.toMatch(/MCP error/);
  expect(legacy.message).not.toMatch(/\n/);
  expect(legacy.message).not.toMatch(/"code":|"path":|✖|→/);
  return legacy;
}

describe('error messages: one readable line, the same on the 2025-11-25 path and the tasks extension path', () => {
  it('unknown task ids', async () => {
    for (const method of ['tasks/get', 'tasks/cancel']) {
      expect(await sameOnBothPaths(method, { taskId: 'no-such-task' })).toEqual({
        code: ErrorCode.InvalidParams,
        message: 'Task not found: no-such-task',
      });
      // The id is the client's: its line breaks and control characters do not make the message span lines.
      expect(await sameOnBothPaths(method, { taskId: 'a\nb\r\nc\u2028d\u0085e\tf' })).toEqual({
        code: ErrorCode.InvalidParams,
        message: 'Task not found: a\\u000ab\\u000d\\u000ac\\u2028d\\u0085e\\u0009f',
      });
    }
  });

  it('bad tool arguments name each field and what was expected', async () => {
    expect(await sameOnBothPaths('tools/call', { name: 'deploy', arguments: { env: 'dev', replicas: 'two' }, task: {} })).toEqual({
      code: ErrorCode.InvalidParams,
      message:
        'Invalid arguments for tool deploy: env: Invalid option: expected one of "staging"|"prod"; replicas: Invalid input: expected number, received string',
    });
    expect((await sameOnBothPaths('tools/call', { name: 'deploy', arguments: { env: 'prod' } })).message).toBe(
      'Invalid arguments for tool deploy: replicas: Invalid input: expected number, received undefined',
    );
  });

  it('bad params of tools/call and tasks/* methods', async () => {
    expect(await sameOnBothPaths('tools/call', { name: 42 })).toEqual({
      code: ErrorCode.InvalidParams,
      message: 'Invalid params for tools/call: name: Invalid input: expected string, received number',
    });
    expect((await sameOnBothPaths('tools/call', { name: 'deploy', arguments: 'env=prod' })).message).toBe(
      'Invalid params for tools/call: arguments: Invalid input: expected record, received string',
    );
    expect(await sameOnBothPaths('tasks/get', { taskId: 7 })).toEqual({
      code: ErrorCode.InvalidParams,
      message: 'Invalid params for tasks/get: taskId: Invalid input: expected string, received number',
    });
    expect((await sameOnBothPaths('tasks/cancel', {})).message).toBe(
      'Invalid params for tasks/cancel: taskId: Invalid input: expected string, received undefined',
    );
  });

  it('an unknown tool and a tool that returns something that is not a CallToolResult', async () => {
    expect(await sameOnBothPaths('tools/call', { name: 'nope', arguments: {} })).toEqual({
      code: ErrorCode.InvalidParams,
      message: 'Tool nope not found',
    });
    expect(await sameOnBothPaths('tools/call', { name: 'broken', arguments: {} })).toEqual({
      code: ErrorCode.InternalError,
      message: 'Tool returned an invalid CallToolResult: content: Invalid input: expected array, received string',
    });
  });
});
