/**
 * Cancelling on stateless SDK v2 serving (`createMcpHandler`: a server and transport per HTTP request).
 * v2 itself cancels an in-flight request only through its own HTTP request (the client going away
 * aborts that exchange's handler); a `notifications/cancelled` POSTed on its own reaches a fresh
 * per-request instance that knows no request, and is dropped. That is v2's design and concerns
 * every plain call. A task's cancel is `tasks/cancel`, served from the shared engine whichever
 * instance the request reaches: here in both eras, the work's `task.signal` aborts and the task
 * ends `cancelled`. (The client going away mid call: test/demo/v2Disconnect.test.ts.)
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { eventually } from '../../support/harness.js';
import { modernClient, rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const anyResult = z.looseObject({});

/** A stateless v2 server whose `wait` task records when its work's signal aborts. */
async function setUp(): Promise<{ url: URL; aborted: Set<string> }> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const aborted = new Set<string>();
  const server = await statelessV2Server(tasks, (mcp: McpServer) => {
    tasks.registerTool(mcp, 'wait', { taskSupport: 'required' }, (_args, task) => {
      return new Promise((resolve) =>
        task.signal.addEventListener('abort', () => {
          aborted.add(task.taskId ?? 'inline');
          resolve({ content: [] });
        }),
      );
    });
  });
  cleanups.push(() => server.close());
  return { url: server.url, aborted };
}

describe('stateless SDK v2: tasks/cancel from another HTTP request', () => {
  test('2026-07-28: the work is aborted and the task ends cancelled', async () => {
    const { url, aborted } = await setUp();
    const created = await rawModernRequest(url, 'tools/call', { name: 'wait', arguments: {} });
    const taskId = created.result!['taskId'] as string;
    const client = await modernClient(url, true);
    cleanups.push(() => client.close());
    // The empty acknowledgement (v2's client hands over only its `_meta`).
    await client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult);
    await eventually(() => aborted.has(taskId));
    expect(await client.request({ method: 'tasks/get', params: { taskId } }, anyResult)).toMatchObject({ taskId, status: 'cancelled' });
  });

  test('2025-11-25 (v2’s stateless legacy serving): the work is aborted and tasks/cancel answers the cancelled task', async () => {
    const { url, aborted } = await setUp();
    const client = new Client({ name: 'legacy-stateless', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url));
    cleanups.push(() => client.close());
    const created = await client.request({ method: 'tools/call', params: { name: 'wait', arguments: {}, task: {} } }, anyResult);
    const { taskId } = (created as { task: { taskId: string } }).task;
    expect(await client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult)).toMatchObject({ taskId, status: 'cancelled' });
    await eventually(() => aborted.has(taskId));
  });
});
