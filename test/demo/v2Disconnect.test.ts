/**
 * The v2 demo's HTTP entry (src/demo/v2.ts) and a 2026-07-28 client that goes away mid tools/call of
 * an `optional` tool. docs/protocols.md: "the client cancels the tools/call → the task is cancelled
 * and forgotten". Only a fetch Request whose signal follows the socket lets v2 see the client gone;
 * without one the call was promoted to nobody and its task held a live-task slot.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { MODERN, TASKS_EXTENSION, rawModernRequest } from '../sdk/v2/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('demo on SDK v2: a client that disconnects mid extension tools/call', () => {
  test('its unanswered call ends with it, so the only live-task slot is free for the next call', async () => {
    const tasks = new TaskSupport({ promoteAfter: 200, limits: { maxLiveTasks: 1 } });
    cleanups.push(() => tasks.close());
    const demo = await serveHttpV2(tasks, 0, '127.0.0.1', { secondMs: 1000 });
    cleanups.push(() => demo.close());
    const gone = new AbortController();
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'countdown',
        arguments: { seconds: 30 },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
        },
      },
    };
    const abandoned = fetch(demo.url, {
      method: 'POST',
      signal: gone.signal,
      body: JSON.stringify(body),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'countdown',
      },
    }).then((response) => response.text());
    abandoned.catch(() => {});
    // Gone before promoteAfter: the call is still unanswered.
    await sleep(80);
    gone.abort();
    // Well past promoteAfter: had the call been promoted, its task would still hold the slot.
    await sleep(600);

    const next = await rawModernRequest(new URL(demo.url), 'tools/call', { name: 'countdown', arguments: { seconds: 0 } });
    expect(next.error, JSON.stringify(next)).toBeUndefined();
  });
});
