import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { McpHttpHost } from '../../src/http/index.js';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { createTask, eventually, testTaskSupport } from '../support/harness.js';
import { rpcError } from '../support/session.js';

// A result (or thrown error) that cannot be sent as JSON, over a real transport: the SDK's send
// throws and only logs it, so unless the library refuses such a value the call is never answered.
// With `maxResultBytes: Infinity` a task stored it as it was (no measuring, so no JSON check), and
// an inline call was never checked at all.

const values = {
  cycle: (): unknown => {
    const result: Record<string, unknown> = { content: [{ type: 'text', text: 'x' }] };
    result['structuredContent'] = result;
    return result;
  },
  bigint: (): unknown => ({ content: [{ type: 'text', text: 'x' }], structuredContent: { n: 10n } }),
};

let tasks: TaskSupport | undefined;
let host: McpHttpHost | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await host?.close();
  await tasks?.close();
  client = host = tasks = undefined;
});

async function connect(maxResultBytes?: number): Promise<Client> {
  tasks = testTaskSupport(maxResultBytes === undefined ? {} : { limits: { maxResultBytes } });
  const support = tasks;
  host = new McpHttpHost({
    createServer: () => {
      const server = new McpServer({ name: 'unsendable', version: '1.0.0' });
      support.registerTool(
        server,
        'returns',
        { taskSupport: 'optional', inputSchema: { kind: z.enum(['cycle', 'bigint']) } },
        ({ kind }) => values[kind]() as CallToolResult,
      );
      support.registerTool(server, 'throwsBigData', { taskSupport: 'optional' }, () => {
        throw new McpError(-32000, 'with data', { n: 10n });
      });
      return server;
    },
  });
  const { url } = await host.listen({ port: 0 });
  client = new Client({ name: 'c', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Fails with the client's own -32001 when the server never answers. */
const within = { timeout: 3000 };

describe('a result that cannot be sent as JSON', () => {
  for (const maxResultBytes of [Infinity, undefined]) {
    for (const kind of ['cycle', 'bigint'] as const) {
      it(`fails its task with a one-line -32603, which tasks/result answers (${kind}, maxResultBytes ${maxResultBytes ?? 'default'})`, async () => {
        const c = await connect(maxResultBytes);
        const task = await createTask(c, 'returns', { kind });
        const error = await rpcError(c.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema, within));
        expect(error.code).toBe(ErrorCode.InternalError);
        expect(error.message).toMatch(
          /Tool returned a result that is not JSON: (Converting circular structure|Do not know how to serialize a BigInt)/,
        );
        expect(error.message).not.toContain('\n');
        const record = await tasks!.store.get(task.taskId);
        expect(record).toMatchObject({ status: 'failed' });
        expect(record!.statusMessage).not.toContain('\n');
        await eventually(() => census(tasks!).engineLive === 0);
      });

      it(`answers an inline call with -32603 (${kind}, maxResultBytes ${maxResultBytes ?? 'default'})`, async () => {
        const c = await connect(maxResultBytes);
        const error = await rpcError(c.callTool({ name: 'returns', arguments: { kind } }, undefined, within));
        expect(error.code).toBe(ErrorCode.InternalError);
        expect(error.message).toMatch(/Tool returned a result that is not JSON: /);
        expect(error.message).not.toContain('\n');
      });
    }
  }

  it('fails a task whose work threw an McpError with data that is not JSON, also with no result limit', async () => {
    const c = await connect(Infinity);
    const task = await createTask(c, 'throwsBigData', {});
    const error = await rpcError(c.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema, within));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(
      /^(MCP error -32603: )?Tool threw an error that cannot be sent as JSON: Do not know how to serialize a BigInt$/,
    );
  });

  it('answers an inline call whose work threw an McpError with data that is not JSON', async () => {
    const c = await connect();
    const error = await rpcError(c.callTool({ name: 'throwsBigData', arguments: {} }, undefined, within));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(/Tool threw an error that cannot be sent as JSON: Do not know how to serialize a BigInt$/);
  });
});
