/**
 * `npm start -- --sdk v2` as its own process, against the SDK v2 client in both eras: the same four
 * tools, the extension in 2026-07-28 (stateless), the 2025-11-25 protocol on a session.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';
import { TASKS_EXTENSION, modernClient, rawModernRequest } from './harness.js';

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess({ DEMO_SECOND_MS: '20' }, ['--sdk', 'v2']);
}, 30_000);
afterAll(async () => {
  await demo?.stop();
});

const anyResult = z.looseObject({});

describe('the demo on SDK v2', () => {
  test('2026-07-28: tools, echo, inline countdown, -32021 for approve without the extension, approve as a task with it', async () => {
    const plain = await modernClient(new URL(demo.url), false);
    try {
      expect(plain.getServerCapabilities()?.extensions).toEqual({ [TASKS_EXTENSION]: {} });
      expect((await plain.listTools()).tools.map((tool) => tool.name)).toEqual(['echo', 'countdown', 'approve', 'summarize']);
      expect((await plain.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
      expect((await plain.callTool({ name: 'countdown', arguments: { seconds: 1 } })).content).toEqual([
        { type: 'text', text: 'countdown finished after 1 s' },
      ]);
      await expect(plain.callTool({ name: 'approve', arguments: { action: 'deploy' } })).rejects.toMatchObject({ code: -32021 });
    } finally {
      await plain.close();
    }

    const client = await modernClient(new URL(demo.url), true);
    try {
      const capabilities = { elicitation: { form: {} }, extensions: { [TASKS_EXTENSION]: {} } };
      const created = await rawModernRequest(
        new URL(demo.url),
        'tools/call',
        { name: 'approve', arguments: { action: 'deploy' } },
        capabilities,
      );
      expect(created.result).toMatchObject({ resultType: 'task' });
      const taskId = created.result!['taskId'] as string;
      let task = await client.request({ method: 'tasks/get', params: { taskId } }, anyResult);
      for (let i = 0; i < 100 && task['status'] === 'working'; i++)
        task = await client.request({ method: 'tasks/get', params: { taskId } }, anyResult);
      const [key] = Object.keys(task['inputRequests'] as object);
      await client.request(
        { method: 'tasks/update', params: { taskId, inputResponses: { [key!]: { action: 'accept', content: { approved: true } } } } },
        anyResult,
      );
      for (let i = 0; i < 100 && task['status'] !== 'completed'; i++)
        task = await client.request({ method: 'tasks/get', params: { taskId } }, anyResult);
      expect(task).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'approved: deploy' }] } });
    } finally {
      await client.close();
    }
  });

  test('2025-11-25: a countdown task through tasks/result, approve answered through tasks/result', async () => {
    const client = new Client({ name: 'legacy', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { approved: true } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.url)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      const created = await client.request(
        { method: 'tools/call', params: { name: 'countdown', arguments: { seconds: 2 }, task: {} } },
        anyResult,
      );
      const { taskId } = (created as { task: { taskId: string } }).task;
      expect(await client.request({ method: 'tasks/result', params: { taskId } }, anyResult)).toMatchObject({
        content: [{ type: 'text', text: 'countdown finished after 2 s' }],
      });
      const approve = await client.request(
        { method: 'tools/call', params: { name: 'approve', arguments: { action: 'ship' }, task: {} } },
        anyResult,
      );
      const approveId = (approve as { task: { taskId: string } }).task.taskId;
      expect(await client.request({ method: 'tasks/result', params: { taskId: approveId } }, anyResult)).toMatchObject({
        content: [{ type: 'text', text: 'approved: ship' }],
      });
    } finally {
      await client.close();
    }
  });
});
