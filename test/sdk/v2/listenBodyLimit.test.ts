/**
 * `withTaskSubscriptions` / `taskListenFetch` read a 2026-07-28 listen's body before v2 does, so they
 * bound it as v2's `maxRequestBodySize` does: 413 with v2's JSON-RPC error, whether the length is
 * declared or only found while reading.
 */
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { DEFAULT_MAX_LISTEN_BODY_SIZE, taskListenFetch } from '../../../src/sdk/v2/taskListen.js';
import type { TaskListenServer } from '../../../src/sdk/v2/taskListen.js';
import { MODERN, TASKS_EXTENSION, serveFetch } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LIMIT = 16 * 1024;

const headers = (method: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': MODERN,
  'mcp-method': method,
  ...(method === 'tools/call' ? { 'mcp-name': 'x' } : {}),
});

function message(method: string, params: Record<string, unknown>): string {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
  };
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta } });
}

/** POSTs `body` and reads the first chunk only: a listen that is served stays open. */
async function post(url: URL, method: string, body: string): Promise<{ status: number; text: string }> {
  const controller = new AbortController();
  const response = await fetch(url, { method: 'POST', signal: controller.signal, headers: headers(method), body });
  const first = await response.body!.getReader().read();
  controller.abort();
  return { status: response.status, text: new TextDecoder().decode(first.value ?? new Uint8Array()) };
}

/** A subscription server that must never be reached: every request here is refused first. */
const unreachable: TaskListenServer = {
  asksForTasks: () => true,
  listen: () => Promise.reject(new Error('listen reached')),
  errorShape: () => ({ code: -32603, message: 'Internal error' }),
  closed: new AbortController().signal,
};

describe('task subscriptions and the request body size limit', () => {
  test('a listen body over maxRequestBodySize gets the same 413 as any other oversized body', async () => {
    const handler = createMcpHandler(() => new McpServer({ name: 'limit', version: '1.0.0' }), { maxRequestBodySize: LIMIT });
    const wrapped = taskListenFetch((request) => handler.fetch(request), unreachable, { maxRequestBodySize: LIMIT });
    const served = await serveFetch((request) => wrapped(request));
    cleanups.push(async () => {
      await handler.close();
      await served.close();
    });
    const padding = 'x'.repeat(1024 * 1024);

    const call = await post(served.url, 'tools/call', message('tools/call', { name: 'x', arguments: {}, padding }));
    const listen = await post(
      served.url,
      'subscriptions/listen',
      message('subscriptions/listen', { notifications: { taskIds: ['t'] }, padding }),
    );

    expect(call.status).toBe(413);
    expect(listen.status, listen.text.slice(0, 200)).toBe(413);
    expect(JSON.parse(listen.text)).toEqual(JSON.parse(call.text));
    expect(JSON.parse(listen.text)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
  });

  test('a listen body with no declared length is cut off once it passes the limit', async () => {
    const wrapped = taskListenFetch(() => Promise.reject(new Error('passed on')), unreachable, { maxRequestBodySize: LIMIT });
    const text = message('subscriptions/listen', { notifications: { taskIds: ['t'] }, padding: 'x'.repeat(4 * LIMIT) });
    const bytes = new TextEncoder().encode(text);
    let pulled = 0;
    // Chunks of 1 KiB, without content-length: only the read can tell the size.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(pulled, pulled + 1024));
        pulled += 1024;
      },
    });
    const request = new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: headers('subscriptions/listen'),
      body,
      duplex: 'half',
    } as RequestInit);

    const response = await wrapped(request);

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${LIMIT} bytes` },
    });
    expect(pulled).toBeLessThan(bytes.length);
  });

  /** A v2 handler behind TaskSupport's listen wrapper, both given `maxRequestBodySize` (v2's default when absent), served on 127.0.0.1; a listen `padding` bytes long is posted. */
  async function listenThroughTaskSupport(padding: number, maxRequestBodySize?: number): Promise<{ status: number; text: string }> {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const limit = maxRequestBodySize === undefined ? {} : { maxRequestBodySize };
    const handler = createMcpHandler(() => {
      const server = new McpServer({ name: 'limit', version: '1.0.0' });
      tasks.enable(server);
      return server;
    }, limit);
    const wrapped = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options), limit);
    const served = await serveFetch((request) => wrapped(request));
    cleanups.push(async () => {
      await handler.close();
      await served.close();
    });
    return post(
      served.url,
      'subscriptions/listen',
      message('subscriptions/listen', { notifications: { taskIds: ['t'] }, padding: 'x'.repeat(padding) }),
    );
  }

  test("TaskSupport.withTaskSubscriptions bounds a listen at v2's default limit", async () => {
    const listen = await listenThroughTaskSupport(DEFAULT_MAX_LISTEN_BODY_SIZE);
    expect(listen.status, listen.text.slice(0, 200)).toBe(413);
    expect(JSON.parse(listen.text)).toMatchObject({ error: { code: -32000 } });
  });

  test('TaskSupport.withTaskSubscriptions takes the limit given to createMcpHandler', async () => {
    const listen = await listenThroughTaskSupport(LIMIT, LIMIT);
    expect(listen.status, listen.text.slice(0, 200)).toBe(413);
    expect(JSON.parse(listen.text)).toMatchObject({
      error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${LIMIT} bytes` },
    });
  });
});
