/**
 * A server process for test/redis/pushTakeover.test.ts: the demo's Streamable HTTP host, bearer
 * principal and Redis backend (REDIS_URL, MTA_PREFIX, MTA_LEASE_MS), with one restartable task tool
 * that asks for input, which the demo does not have (its asking tools are not restartable). Prints
 * "MCP endpoint <url>" when it listens; `kill -9` is its crash.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { demoBackend } from '../../src/demo/backend.js';
import { demoBearerAuth } from '../../src/demo/bearerAuth.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import { TaskSupport } from '../../src/index.js';

const backend = await demoBackend();
const tasks = new TaskSupport({ ...backend.options, logger: { warn: () => {}, error: () => {} } });
const running = await serveHttp(
  tasks,
  () => {
    const server = new McpServer({ name: 'restartable-ask', version: '1' });
    tasks.registerTool(
      server,
      'ask',
      { taskSupport: 'required', restartable: true, inputSchema: { item: z.string() } },
      async ({ item }, task) => {
        // The SDK client opens its standalone GET stream only after initialize; a push before that
        // is left queued (docs/protocols.md), which is not what the test is about.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const answer = await task.elicit({
          message: `${item}? (asked by pid ${process.pid})`,
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        });
        return { content: [{ type: 'text', text: `${item}: ${answer.action} on pid ${process.pid}` }] };
      },
    );
    return server;
  },
  { port: Number(process.env['PORT']), authenticate: demoBearerAuth },
);
console.log(`MCP endpoint ${running.url} pid ${process.pid}`);
