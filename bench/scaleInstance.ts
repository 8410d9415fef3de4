/**
 * One instance for the scale-out part of `npm run bench:redis`, run as its own process: the demo
 * server (its backend from the environment, bearer principals, Streamable HTTP sessions) plus one
 * bench tool, `stamp`, whose work waits `delayMs` and returns the wall-clock time it returned at,
 * so the bench can tell how long the `tasks/result` wake took on another process of this machine.
 * Rate and live-task limits are lifted: the bench measures cost, not the guards.
 */
import { z } from 'zod';
import { TaskSupport } from '../src/index.js';
import { demoBackend } from '../src/demo/backend.js';
import { demoBearerAuth } from '../src/demo/bearerAuth.js';
import { serveHttp } from '../src/demo/httpServer.js';
import { createDemoMcpServer } from '../src/demo/tools.js';

const silent = { warn: () => {}, error: () => {} };
const limits = { maxLiveTasks: 1_000_000, maxLiveTasksPerCaller: 1_000_000, taskCreationRate: Infinity, taskOperationRate: Infinity };

const backend = await demoBackend();
const tasks = new TaskSupport({ ...backend.options, limits, logger: silent });
const running = await serveHttp(
  tasks,
  (t) => {
    const server = createDemoMcpServer(t);
    t.registerTool(server, 'stamp', { taskSupport: 'required', inputSchema: { delayMs: z.number().int().min(0) } }, async ({ delayMs }) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { content: [{ type: 'text', text: String(performance.timeOrigin + performance.now()) }] };
    });
    return server;
  },
  { port: 0, authenticate: demoBearerAuth },
);
console.log(`scale instance ready ${running.url}`);
process.once('SIGTERM', () => {
  void (async () => {
    await tasks.close();
    await running.close();
    await backend.close();
    process.exit(0);
  })();
});
