/**
 * SDK v1 behind McpHttpHost: a POST whose response stream the client closed before its request was
 * answered cancels that request's handler (test/http/abandonedPostCases.ts). Before, a 2025-11-25
 * `tasks/result` left so kept waiting and swallowed the task's next input request.
 */
import { McpHttpHost } from '../../src/http/index.js';
import { testTaskSupport } from '../support/harness.js';
import { abandonedPostServer } from '../sdk/v1/abandonedPostServer.js';
import { abandonedPostCases } from './abandonedPostCases.js';
import type { AbandonedPostTools, ServedTools } from './abandonedPostCases.js';

async function behindHost(tools: AbandonedPostTools): Promise<ServedTools> {
  const tasks = testTaskSupport();
  const host = new McpHttpHost({ createServer: () => abandonedPostServer(tasks, tools) });
  const { url } = await host.listen({ port: 0 });
  return {
    url,
    close: async () => {
      await host.close();
      await tasks.close();
    },
  };
}

abandonedPostCases('SDK v1, McpHttpHost: a POST whose client left', behindHost);
