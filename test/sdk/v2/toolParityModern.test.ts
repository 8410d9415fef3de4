/**
 * registerTool parity in the 2026-07-28 era (the tasks extension) on a stateless SDK v2 server over
 * real HTTP: a result that fails the output schema gets McpServer's own answer, and the work's
 * context carries the call's requestId, authInfo and _meta. (test/session/toolParity.test.ts covers
 * the 2025-11-25 era on both SDK lines.)
 */
import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import type { TaskContext } from '../../../src/index.js';
import { rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const outputSchema = { total: z.number() };
const bad = { content: [{ type: 'text' as const, text: 'done' }], structuredContent: { total: 'seven' } };
const authInfo: AuthInfo = { token: 't', clientId: 'client-9', scopes: [] };

async function setUp(seen: Pick<TaskContext, 'requestId' | 'authInfo' | '_meta'>[]): Promise<URL> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const server = await statelessV2Server(
    tasks,
    (mcp: McpServer) => {
      mcp.registerTool('plain', { outputSchema }, async () => bad);
      tasks.registerTool(mcp, 'job', { taskSupport: 'optional', outputSchema }, async (_args, task) => {
        seen.push({ requestId: task.requestId, authInfo: task.authInfo, _meta: task._meta });
        return bad;
      });
    },
    authInfo,
  );
  cleanups.push(() => server.close());
  return server.url;
}

describe('task tools in the 2026-07-28 era (SDK v2, stateless)', () => {
  test('a result that fails the output schema gets the isError answer of a plain McpServer tool', async () => {
    const url = await setUp([]);
    const plain = await rawModernRequest(url, 'tools/call', { name: 'plain', arguments: {} });
    const job = await rawModernRequest(url, 'tools/call', { name: 'job', arguments: {} });
    const text = (answer: typeof plain, name: string) =>
      (answer.result?.['content'] as { text: string }[])[0]!.text.replaceAll(name, 'TOOL');
    expect(plain.result).toMatchObject({ isError: true });
    expect(job.result).toMatchObject({ isError: true, resultType: 'complete' });
    expect(text(job, 'job')).toBe(text(plain, 'plain'));
    expect(text(job, 'job')).toMatch(/^Output validation error: Invalid structured content for tool TOOL: total: /);
  });

  test("the work's context carries the call's requestId, authInfo and _meta", async () => {
    const seen: Pick<TaskContext, 'requestId' | 'authInfo' | '_meta'>[] = [];
    const url = await setUp(seen);
    await rawModernRequest(url, 'tools/call', { name: 'job', arguments: {}, _meta: { 'example.com/trace': 'xyz' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.requestId).toMatch(/^raw-\d+$/);
    expect(seen[0]!.authInfo).toMatchObject({ token: 't', clientId: 'client-9' });
    expect(seen[0]!._meta).toMatchObject({ 'example.com/trace': 'xyz', 'io.modelcontextprotocol/clientCapabilities': expect.any(Object) });
  });
});
