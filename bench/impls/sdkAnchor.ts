import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskMessageQueue, InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CreateTaskRequestHandlerExtra } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { benchArgs, askParams, DONE_RESULT, PING_RESULT, Probes, sleepMs } from './types.js';
import type { BenchImpl } from './types.js';

/**
 * The anchor: `@modelcontextprotocol/sdk`'s own experimental tasks, used as its docs and examples
 * show — `McpServer` with `taskStore`/`taskMessageQueue`, `experimental.tasks.registerToolTask`,
 * the work started in the background from `createTask` and finished with `storeTaskResult`.
 * `tasks/result` is the SDK's built-in handler, which re-checks the store every `pollInterval`.
 *
 * @param pollInterval undefined for the SDK default (1000 ms), or the tuned value.
 */
export function sdkAnchorImpl(pollInterval: number | undefined): BenchImpl {
  const probes = new Probes();
  const store = new InMemoryTaskStore();
  const queue = new InMemoryTaskMessageQueue();

  const createTask = (extra: CreateTaskRequestHandlerExtra) =>
    extra.taskStore.createTask({
      ttl: extra.taskRequestedTtl ?? null,
      ...(pollInterval === undefined ? {} : { pollInterval }),
    });

  /** Background work as the SDK examples write it: store the result (or failure) when done. */
  const background = (extra: CreateTaskRequestHandlerExtra, taskId: string, work: () => Promise<CallToolResult>): void => {
    void work().then(
      (result) => extra.taskStore.storeTaskResult(taskId, 'completed', result),
      (error: unknown) =>
        extra.taskStore.storeTaskResult(taskId, 'failed', {
          content: [{ type: 'text', text: String(error) }],
          isError: true,
        }),
    );
  };

  const taskTool = (
    server: McpServer,
    name: string,
    work: (run: number, taskId: string, extra: CreateTaskRequestHandlerExtra) => Promise<CallToolResult> | undefined,
  ): void => {
    server.experimental.tasks.registerToolTask(
      name,
      { inputSchema: benchArgs, execution: { taskSupport: 'required' } },
      {
        createTask: async ({ run = -1 }, extra) => {
          const task = await createTask(extra);
          const running = work(run, task.taskId, extra);
          if (running) background(extra, task.taskId, () => running);
          return { task };
        },
        getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
      },
    );
  };

  return {
    name: pollInterval === undefined ? 'SDK tasks (anchor A, default poll)' : `SDK tasks (anchor A-tuned, poll ${pollInterval} ms)`,
    probes,
    createSession() {
      const server = new McpServer(
        { name: 'bench-sdk', version: '1.0.0' },
        {
          capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
          taskStore: store,
          taskMessageQueue: queue,
        },
      );
      server.registerTool('ping', { inputSchema: benchArgs }, async () => PING_RESULT);
      taskTool(server, 'sleep50', async (run) => {
        probes.workStart.set(run, performance.now());
        await sleepMs(50);
        probes.workEnd.set(run, performance.now());
        return DONE_RESULT;
      });
      taskTool(server, 'instant', async () => DONE_RESULT);
      taskTool(server, 'ask', async (run, taskId, extra) => {
        // The SDK's way to ask from a background task: status first, then a request related to
        // the task, which the SDK queues for tasks/result to deliver.
        await extra.taskStore.updateTaskStatus(taskId, 'input_required');
        const answer = server.server.elicitInput(askParams(run), { relatedTask: { taskId }, timeout: 3_600_000 });
        probes.parked++;
        await answer;
        await extra.taskStore.updateTaskStatus(taskId, 'working');
        probes.backToWorking.set(run, performance.now());
        return DONE_RESULT;
      });
      taskTool(server, 'hang', () => {
        probes.parked++;
        return undefined;
      });
      return server;
    },
    async status(taskId) {
      return (await store.getTask(taskId))?.status;
    },
    async close() {
      store.cleanup();
    },
  };
}
