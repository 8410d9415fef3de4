import type { CallToolResult, ClientCapabilities, ProgressToken } from '@modelcontextprotocol/sdk/types.js';
import type { TaskStatus, TerminalTaskStatus } from '../machines/task.js';

export type { TaskStatus, TerminalTaskStatus };

/** A task as the store keeps it: the spec's `Task` plus who may reach it. */
export interface TaskRecord {
  taskId: string;
  /** The caller the task is bound to (see `TaskSupportOptions.identify`). */
  owner: string;
  status: TaskStatus;
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** Granted time to live in ms, counted from `createdAt`. */
  ttl: number;
  /** Suggested polling interval in ms. */
  pollInterval: number;
  /** Instance running the task (with a cluster): store writes of any other runner are refused. */
  runner?: string;
  /**
   * For restartable tools: the tool and arguments to run the task again elsewhere, the client
   * capabilities the caller declared (the rerun's `elicit` / `createMessage` check them; the
   * caller's session is not on the instance that takes the task over), and the call's
   * `progressToken` (valid for the task's whole life: the rerun's `task.progress()` sends on it).
   * Records stored before the token was kept have none: their reruns send no progress, as before.
   */
  restart?: { tool: string; args: unknown; capabilities?: ClientCapabilities; progressToken?: ProgressToken };
}

/** A JSON-RPC error as it will be sent to the client. */
export interface JsonRpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

/** The client's answer to a request a task sent: its result, or the JSON-RPC error it answered with. */
export type Answer = { result: unknown } | { error: JsonRpcErrorShape };

/** How a finished task ended: the tool result (possibly `isError`), or a JSON-RPC error. */
export type TaskOutcome = { type: 'result'; result: CallToolResult } | { type: 'error'; error: JsonRpcErrorShape };

/** One page of tasks. */
export interface TaskPage {
  tasks: TaskRecord[];
  nextCursor?: string;
}

/** True for the statuses a task never leaves. */
export function isTerminal(status: TaskStatus): status is TerminalTaskStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
