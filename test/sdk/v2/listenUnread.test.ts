/**
 * A `subscriptions/listen` (tasks extension) whose subscriber stops reading while its task changes
 * status many times: the stream holds about its 64 KiB high-water mark, and once read again it
 * brings the task's latest state (changes in between are merged, each notification being a whole
 * DetailedTask). Before, every change was queued for the subscriber without bound.
 *
 * The wrapped fetch entry is called in-process with a real SDK v2 handler, and the listen's Response
 * body is left unread, so whatever the server queued for it sits in that body's stream.
 */
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, expect, test } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { eventually } from '../../support/harness.js';
import { MODERN, TASKS_EXTENSION } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STEPS = 600;
const PAD = 'x'.repeat(4000);

function post(method: string, params: Record<string, unknown>, id: string): Request {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'unread', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
  };
  const name: Record<string, string> = typeof params['name'] === 'string' ? { 'mcp-name': params['name'] } : {};
  return new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...name,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }),
  });
}

/** The JSON-RPC message of a response body that is either JSON or one SSE event. */
function messageOf(body: string): { result: { taskId: string } } {
  const json = body.startsWith('{') ? body : body.slice(body.indexOf('data: ') + 6).split('\n')[0]!;
  return JSON.parse(json) as { result: { taskId: string } };
}

test('an unread subscription holds about its high-water mark, then brings the latest state', async () => {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let steps = 0;
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'unread', version: '1.0.0' });
    tasks.registerTool(server, 'chatty', { taskSupport: 'required' }, async (_args, task) => {
      await opened;
      for (let i = 0; i < STEPS; i++) {
        await task.status(`step ${i} ${PAD}`);
        steps++;
      }
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    return server;
  });
  cleanups.push(() => handler.close());
  const fetch = tasks.withTaskSubscriptions((request, options) => handler.fetch(request, options));
  const { taskId } = messageOf(await (await fetch(post('tools/call', { name: 'chatty', arguments: {} }, 'call'))).text()).result;
  const listen = await fetch(post('subscriptions/listen', { notifications: { taskIds: [taskId] } }, 'listen'));
  open();
  await eventually(() => steps === STEPS, 60_000);
  // The task's own end is one more change after the last status.
  await new Promise((resolve) => setTimeout(resolve, 200));

  const reader = listen.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('"status":"completed"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  const frames = text.split('"method":"notifications/tasks"').length - 1;
  // 64 KiB of ~4 KB frames, plus the one that waited for room and the end: not one per change.
  expect(frames).toBeGreaterThan(1);
  expect(frames).toBeLessThan(40);
  expect(text).toContain('"status":"completed"');
}, 90_000);
