import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, MISSING_REQUIRED_CLIENT_CAPABILITY, TasksExtensionClient } from '../../src/client/index.js';
import type { ExtensionTask } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { serveHttpV2 } from '../../src/demo/v2.js';
import { serverSdkLine, testTaskSupport } from '../support/harness.js';
import { rpcError } from '../support/session.js';

const SECOND_MS = 20;
let tasks: TaskSupport;
let http: { url: string; close(): Promise<void> };
const clients: Client[] = [];

beforeAll(async () => {
  tasks = testTaskSupport({ promoteAfter: 150 });
  // The demo endpoint of the suite's SDK line (memory-sdk-v2: the one `npm start -- --sdk v2` serves,
  // where these SDK v1 clients get its 2025-11-25 session route and 2026-style requests on it).
  http =
    serverSdkLine === 'v2'
      ? await serveHttpV2(tasks, 0, '127.0.0.1', { secondMs: SECOND_MS })
      : await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: SECOND_MS }), { port: 0 });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await tasks.close();
  await http.close();
});

async function connect(capabilities: ConstructorParameters<typeof Client>[1] = {}): Promise<Client> {
  const client = new Client({ name: 'extension-http-test', version: '1' }, capabilities);
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  clients.push(client);
  return client;
}

describe('the tasks extension over Streamable HTTP (the demo server), next to a 2025-11-25 client', () => {
  it('approve (elicitation) and summarize (sampling) through the helper; approve through callToolStream', async () => {
    const modern = new TasksExtensionClient(await connect(), {
      onElicitation: (params) => ({ action: 'accept', content: { approved: params.message.includes('deploy') } }),
      onSampling: () => ({ role: 'assistant', model: 'test', content: { type: 'text', text: 'short summary' } }),
    });
    expect(await modern.callTool({ name: 'approve', arguments: { action: 'deploy' } })).toEqual({
      content: [{ type: 'text', text: 'approved: deploy' }],
    });
    expect(await modern.callTool({ name: 'summarize', arguments: { text: 'a long text' } })).toEqual({
      content: [{ type: 'text', text: 'short summary' }],
    });

    const legacy = await connect({ capabilities: { elicitation: { form: {} } } });
    legacy.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { approved: false } }));
    let result: CallToolResult | undefined;
    for await (const m of legacy.experimental.tasks.callToolStream({ name: 'approve', arguments: { action: 'drop' } }, undefined, {
      task: {},
    })) {
      if (m.type === 'result') result = m.result as CallToolResult;
    }
    expect(result?.content).toEqual([{ type: 'text', text: 'rejected: drop' }]);
  });

  it('countdown: inline when short, promoted to a task when it outlives promoteAfter', async () => {
    const modern = new TasksExtensionClient(await connect());
    const created: ExtensionTask[] = [];
    const onTaskCreated = (task: ExtensionTask): void => void created.push(task);
    expect(await modern.callTool({ name: 'countdown', arguments: { seconds: 1 } }, { onTaskCreated })).toEqual({
      content: [{ type: 'text', text: 'countdown finished after 1 s' }],
    });
    expect(created).toEqual([]);
    expect(await modern.callTool({ name: 'countdown', arguments: { seconds: 30 } }, { onTaskCreated })).toEqual({
      content: [{ type: 'text', text: 'countdown finished after 30 s' }],
    });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ status: 'working', statusMessage: expect.stringMatching(/s left$/) });
  });

  it('answers -32021 to a 2026-style request without the extension', async () => {
    const client = await connect();
    const error = await rpcError(
      client.request(
        { method: 'tools/call', params: { name: 'approve', arguments: { action: 'x' }, _meta: { [CLIENT_CAPABILITIES_META_KEY]: {} } } },
        z.looseObject({}),
      ),
    );
    expect(error.code).toBe(MISSING_REQUIRED_CLIENT_CAPABILITY);
  });
});
