import { TaskSupport } from '../TaskSupport.js';
import { demoBackend } from './backend.js';
import { demoBearerAuth } from './bearerAuth.js';
import { healthRoute } from './health.js';
import { serveHttp } from './httpServer.js';
import { observeDemo, statelyPortFromArgs } from './observability.js';
import { createDemoMcpServer } from './tools.js';

const port = Number(process.env['PORT'] ?? 3000);
// The demo always feeds its live view (/tasks); `--inspect` adds the Stately inspector.
const observe = await observeDemo({ statelyPort: statelyPortFromArgs(process.argv.slice(2)) });
const backend = await demoBackend();
const tasks = new TaskSupport({ ...backend.options, inspect: observe.inspect });
const secondMs = process.env['DEMO_SECOND_MS'] ? Number(process.env['DEMO_SECOND_MS']) : undefined;
const running = await serveHttp(tasks, (t) => createDemoMcpServer(t, secondMs ? { secondMs } : {}), {
  port,
  routes: async (req, res) => healthRoute(tasks, req, res) || (await observe.routes(req, res)),
  authenticate: demoBearerAuth,
});
console.log(`mcp-task-actors demo: MCP endpoint ${running.url} (Streamable HTTP, ${backend.description})`);
console.log('tools: countdown (optional task), echo, approve (elicitation), summarize (sampling)');
for (const line of observe.describe(running.url)) console.log(line);

const stop = async (): Promise<void> => {
  await tasks.close();
  await running.close();
  await observe.stop();
  await backend.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
