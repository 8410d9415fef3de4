import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * Timestamps the benchmark tools write while they run (same process, same `performance.now()`
 * clock as the client), keyed by the `run` argument of the call.
 */
export class Probes {
  /** When a timed work function started and ended. */
  readonly workStart = new Map<number, number>();
  readonly workEnd = new Map<number, number>();
  /** When a task that elicited was back in `working` with the answer in hand. */
  readonly backToWorking = new Map<number, number>();
  /** How many never-ending / eliciting work functions have reached their wait. */
  parked = 0;

  clear(): void {
    this.workStart.clear();
    this.workEnd.clear();
    this.backToWorking.clear();
    this.parked = 0;
  }
}

/**
 * One task implementation under test, with the same five tools:
 * `ping` (plain, non-task: the ceiling), `sleep50` (task, 50 ms of work), `instant` (task, no work),
 * `ask` (task, elicits once), `hang` (task whose work only ends when the task's cancellation signal
 * aborts, where the implementation gives its work one).
 */
export interface BenchImpl {
  readonly name: string;
  readonly probes: Probes;
  /** A new server for one session (Streamable HTTP builds one per session). */
  createSession(): McpServer;
  /** The task's status as the server's store has it (for checks, not timed). */
  status(taskId: string): Promise<string | undefined>;
  /** Task actors still alive, where the implementation has any. */
  liveActors?(): number;
  close(): Promise<void>;
}

/** Arguments every benchmark tool takes. */
export const benchArgs = { run: z.number().int().optional() };

export const PING_RESULT: CallToolResult = { content: [{ type: 'text', text: 'pong' }] };
export const DONE_RESULT: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

/** The form the `ask` tool elicits; the run id is in the message so the client can time it. */
export function askParams(run: number) {
  return {
    mode: 'form' as const,
    message: `run ${run}: approve?`,
    requestedSchema: {
      type: 'object' as const,
      properties: { approved: { type: 'boolean' as const } },
      required: ['approved'],
    },
  };
}

/** The run id out of an `ask` elicitation message. */
export function runOfAsk(message: string): number {
  return Number(/^run (\d+):/.exec(message)?.[1] ?? NaN);
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
