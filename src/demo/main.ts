import { TaskSupport } from '../TaskSupport.js';
import { serveHttp } from './httpServer.js';
import { createDemoMcpServer } from './tools.js';

const port = Number(process.env['PORT'] ?? 3000);
const tasks = TaskSupport.inMemory();
const running = await serveHttp(tasks, (t) => createDemoMcpServer(t), { port });
console.log(`mcp-task-actors demo: MCP endpoint ${running.url} (Streamable HTTP, in-memory task store)`);
console.log('tools: countdown (optional task), echo, approve (elicitation), summarize (sampling)');

const stop = async (): Promise<void> => {
  await tasks.close();
  await running.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
