import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startDemoProcess } from '../support/demoProcess.js';

/*
 * The demo process on SIGTERM (src/demo/main.ts: tasks.close(), then the HTTP endpoint) with a
 * `countdown` call running inline (no `task`): the SDK v1 client's call is answered at once with the
 * shutdown error, and the process exits 0. Before, the endpoint's close ended the call's stream
 * unanswered and the client waited out its request timeout (60 s by default; 5 s here, so the old
 * hang fails the test).
 */

const CLIENT_TIMEOUT_MS = 5000;
const PROMPTLY_MS = 1000;

describe('the demo on SIGTERM with an inline countdown running', () => {
  it.each([['v1'], ['v2']] as const)('SDK %s: the call rejects at once with -32603 "Server is shutting down", exit 0', async (line) => {
    const demo = await startDemoProcess({}, ['--sdk', line]);
    const client = new Client({ name: 'inline-sigterm', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(demo.url)));
      client.onerror = () => undefined; // its GET stream ends with the server
      let counting!: () => void;
      const started = new Promise<void>((resolve) => (counting = resolve));
      let signalled = Infinity;
      // With onprogress the call carries a progress token: the countdown's first status line comes back as progress.
      const call = client
        .callTool({ name: 'countdown', arguments: { seconds: 30 } }, undefined, {
          timeout: CLIENT_TIMEOUT_MS,
          onprogress: () => counting(),
        })
        .then(
          () => ({ error: new Error('the countdown was answered with a result') as unknown, afterMs: Date.now() - signalled }),
          (error: unknown) => ({ error, afterMs: Date.now() - signalled }),
        );
      await started;
      const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
      signalled = Date.now();
      demo.child.kill('SIGTERM');
      const { error, afterMs } = await call;
      expect(error).toBeInstanceOf(McpError);
      expect(error).toMatchObject({
        code: -32603,
        message: expect.stringMatching(/Server is shutting down: the call of tool countdown was stopped/) as string,
      });
      expect(afterMs).toBeLessThan(PROMPTLY_MS);
      expect(await exited, demo.output()).toBe(0);
    } finally {
      await client.close().catch(() => {});
      await demo.crash();
    }
  });
});
