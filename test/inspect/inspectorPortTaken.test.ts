import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RelayListenError, startStatelyInspector } from '../../src/inspect/index.js';
import { bearerClient, startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Something else already listening on a loopback port: the port `inspect` is then asked to use. */
async function occupiedPort(): Promise<number> {
  const squatter: Server = createServer((_req, res) => res.end('someone else'));
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  return (squatter.address() as AddressInfo).port;
}

describe('the Stately inspector on a port that is taken', () => {
  it('inspect: true warns with the address and the server keeps serving MCP (no unhandled error event)', async () => {
    const port = await occupiedPort();
    const warnings: string[] = [];
    const errors: unknown[][] = [];
    const tasks = testTaskSupport({
      inspect: true,
      inspectPort: port,
      logger: { warn: (message: string) => void warnings.push(message), error: (...args: unknown[]) => void errors.push(args) },
    });
    cleanups.push(() => tasks.close());
    const session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'job', { taskSupport: 'optional' }, async (_args, task) => {
        await task.status('working on it');
        return { content: [{ type: 'text', text: 'done' }] };
      }),
    );
    cleanups.push(session.close);

    await eventually(() => warnings.length > 0);
    expect(warnings).toEqual([expect.stringContaining(`could not start the Stately inspector`)]);
    expect(warnings[0]).toContain(`127.0.0.1:${port}`);
    expect(warnings[0]).toContain('already in use');
    expect(errors).toEqual([]);

    // MCP goes on: a task runs to its result, an inline call answers.
    const task = await createTask(session.client, 'job', {});
    expect(await taskResult(session.client, task.taskId)).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(await session.client.callTool({ name: 'job', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'done' }] });
  });

  it('startStatelyInspector rejects with a RelayListenError naming the address, and leaves nothing listening', async () => {
    const port = await occupiedPort();
    const error = await startStatelyInspector({ port }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RelayListenError);
    expect(error).toMatchObject({ port, host: '127.0.0.1', code: 'EADDRINUSE' });
    expect((error as Error).message).toBe(
      `mcp-task-actors: the Stately inspector relay could not listen on 127.0.0.1:${port}: the port is already in use`,
    );
    // The squatter still answers its port: the relay did not take it over or break it.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('someone else');
  });

  it('npm start -- --inspect=<taken port> warns with the port and serves MCP and the live view', async () => {
    const port = await occupiedPort();
    const demo: DemoProcess = await startDemoProcess({ DEMO_SECOND_MS: '10' }, [`--inspect=${port}`]);
    cleanups.push(() => demo.stop());
    expect(demo.output()).toContain(
      `--inspect: the Stately inspector is off: the Stately inspector relay could not listen on 127.0.0.1:${port}`,
    );
    const client = await bearerClient(demo.url, 'alice-token');
    cleanups.push(() => client.close());
    expect(await client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({
      content: [{ type: 'text', text: expect.stringContaining('still here') }],
    });
    expect((await fetch(`${demo.base}/tasks`)).status).toBe(200);
    expect(demo.child.exitCode).toBeNull();
  }, 30_000);
});

describe('the relay', () => {
  it('lets in its own bridge page and clients without an Origin, and refuses WebSockets from other origins', async () => {
    const inspector = await startStatelyInspector({ port: 0 });
    cleanups.push(() => inspector.stop());
    const opens = (origin?: string): Promise<boolean> =>
      new Promise((resolve) => {
        const socket = new WebSocket(inspector.relayUrl, origin === undefined ? {} : { origin });
        socket.once('open', () => {
          socket.close();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    expect(await opens()).toBe(true);
    expect(await opens(inspector.url)).toBe(true);
    expect(await opens('http://evil.example')).toBe(false);
  });
});
