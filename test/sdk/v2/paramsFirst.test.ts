/**
 * What v2 would check or rewrite before our handlers (src/sdk/v2/paramsFirst.ts) gets the answer
 * v1 gives: malformed `tools/call` params one readable -32602 line in both eras (docs/security.md),
 * a malformed `tasks/update` `inputResponses` -32602 rather than an empty ack (docs/protocols.md).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { toIncomingRequest } from '../../../src/sdk/v2/request.js';
import type { V2Context } from '../../../src/sdk/v2/request.js';
import { rawModernRequest, sessionfulV2Server, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const caps = { elicitation: { form: {} }, extensions: { 'io.modelcontextprotocol/tasks': {} } };

function tools(tasks: TaskSupport) {
  return (server: McpServer): void => {
    tasks.registerTool(server, 'quick', { taskSupport: 'optional', inputSchema: { n: z.number() } }, async ({ n }) => ({
      content: [{ type: 'text', text: `n=${n}` }],
    }));
    tasks.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicit({
        message: 'Approve?',
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
      });
      return { content: [{ type: 'text', text: answer.action }] };
    });
  };
}

async function served(kind: 'stateless' | 'sessionful'): Promise<URL> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const server = await (kind === 'stateless' ? statelessV2Server : sessionfulV2Server)(tasks, tools(tasks));
  cleanups.push(() => server.close());
  return server.url;
}

/** A raw 2025-11-25 session: one JSON-RPC request per POST, its answer read from JSON or SSE. */
async function legacyCall(url: URL, method: string, params: unknown): Promise<{ code: number; message: string } | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = async (message: unknown) => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
    const sessionId = response.headers.get('mcp-session-id');
    if (sessionId) Object.assign(headers, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    const text = await response.text();
    const data = text.split('\n').find((line) => line.startsWith('data:'));
    return text === '' ? undefined : (JSON.parse(data ? data.slice(5) : text) as { error?: { code: number; message: string } });
  };
  await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return (await post({ jsonrpc: '2.0', id: 1, method, params }))?.error;
}

describe('SDK v2: malformed tools/call params are checked before v2 checks them', () => {
  test('2026-07-28 era: arguments an array is one readable -32602 line', async () => {
    const answer = await rawModernRequest(await served('stateless'), 'tools/call', { name: 'quick', arguments: [1] });
    expect(answer.error).toEqual({
      code: -32602,
      message: 'Invalid params for tools/call: arguments: Invalid input: expected record, received array',
    });
  });

  for (const [params, field] of [
    [{ name: 'quick', arguments: [1], task: {} }, 'arguments: Invalid input: expected record, received array'],
    [{ name: 'quick', arguments: { n: 1 }, task: [] }, 'task: Invalid input: expected object, received array'],
    [{ name: 5, task: {} }, 'name: Invalid input: expected string, received number'],
  ] as const) {
    test(`2025-11-25 era: ${JSON.stringify(params)} is one readable -32602 line`, async () => {
      const error = await legacyCall(await served('sessionful'), 'tools/call', params);
      expect(error).toEqual({ code: -32602, message: `Invalid params for tools/call: ${field}` });
    });
  }
});

describe('SDK v2: tasks/update with malformed inputResponses is -32602, as on v1', () => {
  async function inputRequired(): Promise<{ url: URL; taskId: string; key: string }> {
    const url = await served('stateless');
    const created = await rawModernRequest(url, 'tools/call', { name: 'approve', arguments: {} }, caps);
    const taskId = created.result!['taskId'] as string;
    for (let i = 0; i < 50; i++) {
      const got = await rawModernRequest(url, 'tasks/get', { taskId }, caps);
      const key = Object.keys((got.result?.['inputRequests'] as Record<string, unknown> | undefined) ?? {})[0];
      if (key) return { url, taskId, key };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the task never asked for input');
  }

  for (const [label, responses] of [
    ['an array', () => []],
    ['a number', () => 5],
    ['null', () => null],
    ['the outstanding key answered with a string', (key: string) => ({ [key]: 'accept' })],
    ['the outstanding key answered with an array', (key: string) => ({ [key]: [] })],
    [
      'the outstanding key answered with a wrapped result',
      (key: string) => ({ [key]: { method: 'elicitation/create', result: { action: 'accept' } } }),
    ],
  ] as const) {
    test(`inputResponses ${label} is -32602 and the task still waits for its answer`, async () => {
      const { url, taskId, key } = await inputRequired();
      const answer = await rawModernRequest(url, 'tasks/update', { taskId, inputResponses: responses(key) }, caps);
      expect(answer.error?.code, JSON.stringify(answer)).toBe(-32602);
      expect(answer.error?.message).not.toMatch(/\n/);
      const got = await rawModernRequest(url, 'tasks/get', { taskId }, caps);
      expect(got.result?.['status']).toBe('input_required');
    });
  }

  test('entries v2 dropped come back as null where the raw value was not kept aside', () => {
    const ctx = {
      mcpReq: { id: 1, method: 'tasks/update', inputResponses: { a: { action: 'accept' } }, droppedInputResponseKeys: ['b'] },
    } as unknown as V2Context;
    expect(toIncomingRequest('tasks/update', { taskId: 't' }, ctx).params).toEqual({
      taskId: 't',
      inputResponses: { a: { action: 'accept' }, b: null },
    });
  });
});
