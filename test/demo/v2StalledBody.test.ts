/**
 * The SDK v2 demo with a request whose body stalls mid-way. Its node:http bridge reads the whole
 * body before it builds the fetch Request v2 serves, so a client that sent headers and part of a
 * body held its socket and the bridge's read until Node's 300 s `requestTimeout`. The body's
 * arrival is now bounded as McpHttpHost bounds it (`requestBodyTimeoutMs`, default 30 s): 408 with
 * a JSON-RPC error, the connection closed, nothing logged as a failure.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serveHttpV2 } from '../../src/demo/v2.js';
import type { V2HttpOptions } from '../../src/demo/v2.js';
import { testTaskSupport } from '../support/harness.js';
import { stalledPost, within } from '../http/rawHttp.js';

/** Short, so the file runs in seconds; the default is 30 s. */
const BODY_MS = 300;
/** How long past BODY_MS a cut-off may take (timers on a shared CI machine). */
const SLACK_MS = 2_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function demo(options: V2HttpOptions = { requestBodyTimeoutMs: BODY_MS }) {
  const tasks = testTaskSupport();
  cleanups.push(() => tasks.close());
  const running = await serveHttpV2(tasks, 0, '127.0.0.1', {}, {}, options);
  cleanups.push(() => running.close());
  return running;
}

describe('SDK v2 demo: a request whose body stalls mid-way', () => {
  it('is answered 408 with a JSON-RPC error and cut off after requestBodyTimeoutMs, logged as no failure', async () => {
    const errors = vi.spyOn(console, 'error');
    const running = await demo();
    const stalled = stalledPost(running.url);
    cleanups.push(async () => void stalled.socket.destroy());
    const answer = await within(stalled.closed, BODY_MS + SLACK_MS);
    const took = Date.now() - stalled.sentAt;
    expect(answer, `after ${took} ms`).not.toBe('still open');
    expect((answer as string).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse((answer as string).split('\r\n\r\n')[1] ?? '')).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: `Request Timeout: the request body did not arrive within ${BODY_MS} ms` },
    });
    expect(took).toBeGreaterThanOrEqual(BODY_MS - 20);
    // The bridge's failed read is the cut-off's, not a failure to report (it logged one with a 500).
    expect(errors).not.toHaveBeenCalled();

    // The demo goes on serving, and a body that arrives in time is not cut.
    const client = new Client({ name: 'v2-stalled-body', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(running.url)));
    cleanups.push(() => client.close());
    await new Promise((resolve) => setTimeout(resolve, BODY_MS * 2));
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'still here' }]);
  });

  it('refuses a requestBodyTimeoutMs that is no timer length when it is served', async () => {
    const tasks = testTaskSupport();
    cleanups.push(() => tasks.close());
    for (const bad of [-1, Number.NaN, 2 ** 31])
      await expect(serveHttpV2(tasks, 0, '127.0.0.1', {}, {}, { requestBodyTimeoutMs: bad })).rejects.toThrow(RangeError);
  });
});
