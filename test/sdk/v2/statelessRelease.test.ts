/**
 * Stateless SDK v2 serving builds an McpServer per HTTP request (`createMcpHandler`). A task
 * created by one of those requests runs on after its request's server is done with: the task must
 * not keep that server (and its transport) for its whole life, in either era.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { Collection } from '../../support/collection.js';
import { rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test.each(['2026-07-28', '2025-11-25'] as const)(
  '%s: the servers of the requests that created running tasks are collected',
  async (era) => {
    const tasks = TaskSupport.inMemory();
    cleanups.push(() => tasks.close());
    const collection = new Collection();
    const servers: string[] = [];
    let running = 0;
    const server = await statelessV2Server(tasks, (mcp: McpServer) => {
      servers.push(`server ${servers.length}`);
      collection.watch(mcp, servers.at(-1)!);
      tasks.registerTool(mcp, 'wait', { taskSupport: 'required' }, (_args, task) => {
        running++;
        return new Promise((resolve) => task.signal.addEventListener('abort', () => resolve({ content: [] })));
      });
    });
    cleanups.push(() => server.close());
    if (era === '2026-07-28') {
      for (let i = 0; i < 3; i++) {
        const created = await rawModernRequest(server.url, 'tools/call', { name: 'wait', arguments: {} });
        expect(created.result).toMatchObject({ resultType: 'task' });
      }
    } else {
      const client = new Client({ name: 'legacy-stateless', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(server.url));
      for (let i = 0; i < 3; i++) {
        await client.request({ method: 'tools/call', params: { name: 'wait', arguments: {}, task: {} } }, z.looseObject({}));
      }
      await client.close();
    }
    expect(running).toBe(3);
    expect(servers.length).toBeGreaterThanOrEqual(3);
    expect(await collection.collected(servers)).toBe(true);
  },
);
