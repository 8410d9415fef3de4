import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { benchArgs, askParams, DONE_RESULT, PING_RESULT, Probes, sleepMs } from './types.js';
import type { BenchImpl } from './types.js';

/**
 * mcp-task-actors: one TaskSupport shared by every session, tools registered per session.
 * `Support` is another copy of the library's class for a same-process A/B (bench/scaleAb.ts `--base`).
 */
export function oursImpl(Support: typeof TaskSupport = TaskSupport): BenchImpl {
  const probes = new Probes();
  const tasks = Support.inMemory({
    logger: { warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
    // The scale workload holds 100,000 live tasks of one caller, created as fast as they go; the
    // defaults refuse that (by design).
    limits: {
      maxLiveTasks: 1_000_000,
      maxLiveTasksPerCaller: 1_000_000,
      taskCreationRate: Infinity,
      taskOperationRate: Infinity,
      ...(process.env.NOCAP ? { maxQueuedInputRequests: Infinity } : {}),
    },
  });
  return {
    name: 'mcp-task-actors',
    probes,
    createSession() {
      const server = new McpServer({ name: 'bench-ours', version: '1.0.0' });
      server.registerTool('ping', { inputSchema: benchArgs }, async () => PING_RESULT);
      tasks.registerTool(server, 'sleep50', { taskSupport: 'required', inputSchema: benchArgs }, async ({ run = -1 }) => {
        probes.workStart.set(run, performance.now());
        await sleepMs(50);
        probes.workEnd.set(run, performance.now());
        return DONE_RESULT;
      });
      tasks.registerTool(server, 'instant', { taskSupport: 'required', inputSchema: benchArgs }, () => DONE_RESULT);
      tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: benchArgs }, async ({ run = -1 }, task) => {
        const answer = task.elicit(askParams(run));
        probes.parked++;
        await answer;
        probes.backToWorking.set(run, performance.now());
        return DONE_RESULT;
      });
      // Work that waits for its task.signal, as real long-running work does (the signal and its
      // listener count in the heap per live task).
      tasks.registerTool(server, 'hang', { taskSupport: 'required', inputSchema: benchArgs }, (_args, task) => {
        probes.parked++;
        return new Promise<CallToolResult>((_resolve, reject) => {
          task.signal.addEventListener('abort', () => reject(task.signal.reason as Error), { once: true });
        });
      });
      tasks.enable(server);
      return server;
    },
    async status(taskId) {
      return (await tasks.store.get(taskId))?.status;
    },
    liveActors: () => tasks.liveTaskActors,
    close: () => tasks.close(),
  };
}
