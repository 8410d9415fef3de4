import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InMemoryTaskStore } from '../../../src/index.js';
import type { ErrorMapper, TaskSupport, TaskSupportOptions, WorkErrorContext } from '../../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult, testTaskSupport } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';

const SECRET = 'SECRET-7f3a';
/** The message as sent on the wire (the SDK client prefixes "MCP error <code>: " when it builds the McpError). */
const sent = (error: McpError): string => error.message.replace(/^MCP error -?\d+: /, '');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Throws an Error whose stack, cause and extra properties all hold the secret; only its message is public. */
function throwLeaky(): never {
  // The secret is in a frame name too, so a leaked stack would show it.
  const frames = {
    [`frame_${SECRET}`]: () => {
      const error = new Error('the public part', { cause: new Error(`cause ${SECRET}`) });
      Object.assign(error, { data: { token: SECRET }, code: 4242, secret: SECRET });
      throw error;
    },
  };
  return frames[`frame_${SECRET}`]!() as never;
}

/** Resolves each time the `throwsWhenCancelled` work has thrown (after its task was cancelled). */
let threwAfterCancel = deferred();

function registerTools(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(server, 'throwsWhenCancelled', { taskSupport: 'required' }, (_args, task) => {
    return new Promise((_resolve, reject) => {
      task.signal.addEventListener('abort', () => {
        reject(new Error('stopped'));
        threwAfterCancel.resolve();
      });
    });
  });
  tasks.registerTool(server, 'leaky', { taskSupport: 'optional' }, () => throwLeaky());
  tasks.registerTool(server, 'rpcFail', { taskSupport: 'optional' }, () => {
    throw new McpError(ErrorCode.InvalidParams, 'bad widget', { widget: 3 });
  });
  tasks.registerTool(server, 'fails', { taskSupport: 'optional', inputSchema: { message: z.string() } }, ({ message }) => {
    throw new Error(message);
  });
}

/** Connects a client and records every message it receives, as the JSON that crossed the wire. */
async function connectRecording(options: TaskSupportOptions = {}) {
  const logged: unknown[][] = [];
  const tasks = testTaskSupport({ logger: { warn: () => {}, error: (...args: unknown[]) => void logged.push(args) }, ...options });
  const session = await connectInMemory(tasks, (server) => registerTools(tasks, server));
  cleanups.push(() => tasks.close(), session.close);
  const wire: string[] = [];
  recordWire(session.client, wire);
  return { tasks, client: session.client, wire, logged };
}

function recordWire(client: Client, wire: string[]): void {
  const transport = client.transport!;
  const deliver = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    wire.push(JSON.stringify(message));
    deliver.call(transport, message, extra);
  };
}

describe('errors reaching clients', () => {
  it('carry only the message of what the work threw: no stack, cause or other properties, as a task or inline', async () => {
    const { client, wire } = await connectRecording();
    const task = await createTask(client, 'leaky', {});
    expect(await taskResult(client, task.taskId)).toMatchObject({ isError: true, content: [{ type: 'text', text: 'the public part' }] });
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'failed', statusMessage: 'the public part' });
    expect(await client.callTool({ name: 'leaky', arguments: {} })).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'the public part' }],
    });
    expect(wire.some((m) => m.includes('the public part'))).toBe(true);
    expect(wire.filter((m) => m.includes(SECRET) || m.includes('frame_') || m.includes('    at '))).toEqual([]);
  });

  it('keep the code, message and data of an McpError the work threw on purpose', async () => {
    const { client } = await connectRecording();
    const task = await createTask(client, 'rpcFail', {});
    const error = await rpcError(taskResult(client, task.taskId));
    expect([error.code, sent(error), error.data]).toEqual([ErrorCode.InvalidParams, 'bad widget', { widget: 3 }]);
  });

  it('go through mapError first: a string becomes the message, an McpError the JSON-RPC error, for tasks and inline calls', async () => {
    const seen: WorkErrorContext[] = [];
    const mapError: ErrorMapper = (error, context) => {
      seen.push(context);
      const message = error instanceof Error ? error.message : String(error);
      if (message.startsWith('user:')) return new McpError(ErrorCode.InvalidParams, message.slice(5).trim());
      if (error instanceof McpError) return error;
      return 'Something went wrong; reference 42';
    };
    const { client, wire } = await connectRecording({ mapError });

    const hidden = await createTask(client, 'leaky', {});
    expect(await taskResult(client, hidden.taskId)).toMatchObject({
      isError: true,
      content: [{ text: 'Something went wrong; reference 42' }],
    });
    expect((await client.experimental.tasks.getTask(hidden.taskId)).statusMessage).toBe('Something went wrong; reference 42');

    const promoted = await createTask(client, 'fails', { message: 'user: widget must be blue' });
    const error = await rpcError(taskResult(client, promoted.taskId));
    expect([error.code, sent(error)]).toEqual([ErrorCode.InvalidParams, 'widget must be blue']);

    const inline = await rpcError(client.callTool({ name: 'fails', arguments: { message: 'user: inline too' } }));
    expect([inline.code, sent(inline)]).toEqual([ErrorCode.InvalidParams, 'inline too']);

    expect(seen).toEqual([
      { tool: 'leaky', taskId: hidden.taskId },
      { tool: 'fails', taskId: promoted.taskId },
      { tool: 'fails', taskId: undefined },
    ]);
    expect(wire.filter((m) => m.includes('public part') || m.includes(SECRET))).toEqual([]);
  });

  it('are not mapped when the work throws after its task was cancelled: nobody reads that outcome', async () => {
    const seen: WorkErrorContext[] = [];
    const mapError: ErrorMapper = (_error, context) => (seen.push(context), 'mapped');
    const { client } = await connectRecording({ mapError });
    threwAfterCancel = deferred();
    const task = await createTask(client, 'throwsWhenCancelled', {});
    await client.experimental.tasks.cancelTask(task.taskId);
    await threwAfterCancel.promise;
    // The work's rejection is handled a few microtasks after it threw; a timer runs after them.
    await sleep(10);
    expect(seen).toEqual([]);
    expect((await rpcError(taskResult(client, task.taskId))).message).toContain('cancelled');
  });

  it('fall back to a generic message (and log) when mapError itself throws or returns nonsense', async () => {
    let mode: 'throw' | 'nonsense' = 'throw';
    const mapError = ((): string => {
      if (mode === 'throw') throw new Error(`mapper broke ${SECRET}`);
      return 42 as unknown as string;
    }) as ErrorMapper;
    const { client, wire, logged } = await connectRecording({ mapError });
    for (const next of ['throw', 'nonsense'] as const) {
      mode = next;
      const task = await createTask(client, 'leaky', {});
      expect(await taskResult(client, task.taskId)).toMatchObject({
        isError: true,
        content: [{ text: 'Internal error while reporting the tool error' }],
      });
    }
    expect(logged.map((args) => String(args[0]))).toEqual([
      expect.stringMatching(/mapError threw while mapping an error of tool leaky/),
      expect.stringMatching(/mapError returned neither an Error nor a string for tool leaky/),
    ]);
    expect(wire.filter((m) => m.includes(SECRET) || m.includes('public part'))).toEqual([]);
  });

  it('never pass a store backend error text on: -32603 with a generic message, the original in the server log', async () => {
    class LeakyStore extends InMemoryTaskStore {
      failing = false;
      override async get(taskId: string) {
        if (this.failing) throw new Error(`connect ECONNREFUSED 10.9.8.7:6379 ${SECRET}`);
        return super.get(taskId);
      }
    }
    const store = new LeakyStore();
    const { client, wire, logged } = await connectRecording({ store });
    const task = await createTask(client, 'fails', { message: 'x' });
    store.failing = true;
    const error = await rpcError(client.experimental.tasks.getTask(task.taskId));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(sent(error)).toBe('Task store unavailable: get failed (details in the server log)');
    expect(wire.filter((m) => m.includes(SECRET) || m.includes('10.9.8.7'))).toEqual([]);
    await eventually(() => logged.some((args) => args.some((a) => a instanceof Error && a.message.includes(SECRET))));
    store.failing = false;
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });
});
