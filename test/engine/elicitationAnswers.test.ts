import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import { createTask, defaultClientCapabilities, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { TaskSupport } from '../../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** The flat schema subset the spec allows for forms: string, number, integer, boolean, enum, required. */
const requestedSchema = {
  type: 'object' as const,
  properties: {
    name: { type: 'string' as const, minLength: 1 },
    age: { type: 'integer' as const, minimum: 0 },
    ratio: { type: 'number' as const },
    ok: { type: 'boolean' as const },
    color: { type: 'string' as const, enum: ['red', 'green'] },
  },
  required: ['name', 'ok'],
};

/**
 * A client that answers every elicitation with `answer`, as a raw JSON-RPC result: through the
 * fallback handler, so the SDK client's own check of its handler's answer does not run (a client
 * on another SDK, or a hostile one, sends what it likes).
 */
async function connect(tasks: TaskSupport, answer: Record<string, unknown>): Promise<Client> {
  const server = new McpServer({ name: 's', version: '1' });
  tasks.registerTool(server, 'form', { taskSupport: 'optional' }, async (_args, task): Promise<CallToolResult> => {
    try {
      const result = await task.elicit({ message: 'Fill in', requestedSchema });
      return { content: [{ type: 'text', text: `got ${JSON.stringify(result)}` }] };
    } catch (error) {
      const { code, message } = error as { code?: number; message?: string };
      return { content: [{ type: 'text', text: `rejected ${code}: ${message}` }] };
    }
  });
  const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
  client.fallbackRequestHandler = async (request) => {
    if (request.method !== 'elicitation/create') throw new Error(`unexpected ${request.method}`);
    return answer;
  };
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push({ close: async () => (await client.close(), await server.close()) });
  return client;
}

function text(result: CallToolResult): string {
  return (result.content[0] as { text: string }).text;
}

const malformed: [string, Record<string, unknown>, RegExp][] = [
  ['a number where a string is asked', { action: 'accept', content: { name: 5, ok: true } }, /name/],
  ['a required field missing', { action: 'accept', content: { name: 'Ada' } }, /ok/],
  ['a value outside the enum', { action: 'accept', content: { name: 'Ada', ok: true, color: 'blue' } }, /color|enum|allowed/],
  ['a fraction where an integer is asked', { action: 'accept', content: { name: 'Ada', ok: true, age: 1.5 } }, /age|integer/],
  ['accept without content', { action: 'accept' }, /name|required/],
];

describe('elicitation answers are checked against requestedSchema on the server', () => {
  describe.each([
    ['as a task', async (client: Client) => taskResult(client, (await createTask(client, 'form', {})).taskId)],
    ['inline', (client: Client) => client.request({ method: 'tools/call', params: { name: 'form', arguments: {} } }, CallToolResultSchema)],
  ])('%s', (_path, call) => {
    it.each(malformed)('%s reaches the work as -32602 naming the problem, and the call ends', async (_case, answer, names) => {
      const tasks = testTaskSupport();
      open.push(tasks);
      const client = await connect(tasks, answer);
      const result = text(await call(client));
      expect(result).toMatch(/^rejected -32602: /);
      expect(result).toContain('requestedSchema');
      expect(result).toMatch(names);
    });

    it('a matching answer, a decline and a cancel reach the work unchanged', async () => {
      for (const answer of [
        { action: 'accept', content: { name: 'Ada', ok: false, age: 36, ratio: 0.5, color: 'green' } },
        { action: 'decline' },
        { action: 'cancel' },
      ]) {
        const tasks = testTaskSupport();
        open.push(tasks);
        const client = await connect(tasks, answer);
        expect(text(await call(client))).toBe(`got ${JSON.stringify(answer)}`);
      }
    });
  });
});

describe('tasks/update (the tasks extension) with an answer that does not match requestedSchema', () => {
  it('is refused with -32602 before delivery; the task keeps waiting and takes a matching answer', async () => {
    const tasks = testTaskSupport({ pollInterval: 10, limits: { minPollInterval: 10 } });
    open.push(tasks);
    const client = await connect(tasks, {});
    const capabilities = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };
    const request = (method: string, params: Record<string, unknown>) =>
      client.request({ method, params: { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: capabilities } } }, z.looseObject({}));
    const created = await request('tools/call', { name: 'form', arguments: {}, task: {} });
    const taskId = ((created['task'] as { taskId?: string } | undefined)?.taskId ?? created['taskId']) as string;
    let key = '';
    await eventually(async () => {
      const task = await request('tasks/get', { taskId });
      key = Object.keys((task['inputRequests'] ?? {}) as object)[0] ?? '';
      return task['status'] === 'input_required' && key !== '';
    });
    await expect(
      request('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { name: 7 } } } }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/requestedSchema.*name/),
    });
    expect((await request('tasks/get', { taskId }))['status']).toBe('input_required');
    const good = { action: 'accept', content: { name: 'Ada', ok: true } };
    await request('tasks/update', { taskId, inputResponses: { [key]: good } });
    let done: Record<string, unknown> = {};
    await eventually(async () => {
      done = await request('tasks/get', { taskId });
      return done['status'] === 'completed';
    });
    expect(JSON.stringify(done)).toContain(JSON.stringify(`got ${JSON.stringify(good)}`).slice(1, -1));
  });
});

describe('a requestedSchema the validator cannot compile', () => {
  it('fails the ask with -32602 before anything is sent to the client', async () => {
    const tasks = testTaskSupport();
    open.push(tasks);
    const server = new McpServer({ name: 's', version: '1' });
    let asked = 0;
    tasks.registerTool(server, 'broken', { taskSupport: 'optional' }, async (_args, task): Promise<CallToolResult> => {
      const schema = { type: 'object', properties: { a: { type: 'nonsense' } } } as unknown as typeof requestedSchema;
      let error: { code?: number; message?: string } | undefined;
      try {
        await task.elicit({ message: 'x', requestedSchema: schema });
      } catch (e) {
        error = e as typeof error;
      }
      return { content: [{ type: 'text', text: `${error?.code}: ${error?.message}` }] };
    });
    const client = new Client({ name: 'c', version: '1' }, { capabilities: defaultClientCapabilities });
    client.fallbackRequestHandler = async () => {
      asked++;
      return { action: 'decline' };
    };
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    open.push({ close: async () => (await client.close(), await server.close()) });
    const result = await client.request({ method: 'tools/call', params: { name: 'broken', arguments: {} } }, CallToolResultSchema);
    expect(text(result)).toMatch(/^-32602: requestedSchema is not a valid JSON Schema: /);
    expect(asked).toBe(0);
  });
});
