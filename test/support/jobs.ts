import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext, TaskSupport } from '../../src/index.js';
import { deferred } from './harness.js';

/** One running call of the `job` tool, driven by the test. */
export interface Job {
  task: TaskContext;
  args: Record<string, unknown>;
  finish(result?: CallToolResult): void;
  fail(error: unknown): void;
  aborted: Promise<unknown>;
}

/**
 * Test tools whose work is scripted from the test: `job` (optional) waits for `finish`/`fail`,
 * `job_required` the same with taskSupport required, `quick` returns at once, `forever` ends only
 * by abort (and records it).
 */
export class Jobs {
  private readonly waiting = new Map<string, (job: Job) => void>();
  private readonly started = new Map<string, Job>();
  readonly aborts: string[] = [];

  register(tasks: TaskSupport, server: McpServer): void {
    const work = async ({ key }: { key: string }, task: TaskContext): Promise<CallToolResult> => {
      const outcome = deferred<CallToolResult>();
      const aborted = new Promise<unknown>((resolve) =>
        task.signal.addEventListener('abort', () => {
          this.aborts.push(key);
          resolve(task.signal.reason);
        }),
      );
      const job: Job = {
        task,
        args: { key },
        finish: (result = { content: [{ type: 'text', text: `done ${key}` }] }) => outcome.resolve(result),
        fail: (error) => outcome.reject(error),
        aborted,
      };
      this.started.set(key, job);
      this.waiting.get(key)?.(job);
      return outcome.promise;
    };
    tasks.registerTool(server, 'job', { taskSupport: 'optional', inputSchema: { key: z.string() } }, work);
    tasks.registerTool(server, 'job_required', { taskSupport: 'required', inputSchema: { key: z.string() } }, work);
    tasks.registerTool(server, 'quick', { taskSupport: 'required', inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    tasks.registerTool(
      server,
      'forever',
      { taskSupport: 'required', inputSchema: { key: z.string() } },
      ({ key }, task) =>
        new Promise<CallToolResult>((_, reject) =>
          task.signal.addEventListener('abort', () => {
            this.aborts.push(key);
            reject(task.signal.reason);
          }),
        ),
    );
    server.registerTool('plain', { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text: `plain ${text}` }],
    }));
  }

  /** The job with this key, once its work has started. */
  get(key: string): Promise<Job> {
    const job = this.started.get(key);
    if (job) return Promise.resolve(job);
    return new Promise((resolve) => this.waiting.set(key, resolve));
  }
}
