import type { JSONRPCNotification, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/** A message a task sends to its client through `tasks/result`. */
export type QueuedMessage =
  | { kind: 'request'; requestId: string; message: JSONRPCRequest }
  | { kind: 'notification'; message: JSONRPCNotification };

/**
 * Per-task FIFO of messages waiting for a `tasks/result` call to carry them to the client
 * (the Python SDK's `TaskMessageQueue`).
 */
export interface TaskMessageQueue {
  /** Appends a message to the task's queue and wakes anyone waiting on it. */
  enqueue(taskId: string, message: QueuedMessage): Promise<void>;
  /** Puts messages back at the front, in order: they were taken but not delivered. */
  requeue(taskId: string, messages: readonly QueuedMessage[]): Promise<void>;
  /** Takes every queued message of the task, oldest first. */
  dequeueAll(taskId: string): Promise<QueuedMessage[]>;
  /** Drops the task's queue. */
  clear(taskId: string): Promise<void>;
  /** Resolves as soon as the task's queue is not empty (at once if it already is), or when `signal` aborts. */
  waitForMessage(taskId: string, signal: AbortSignal): Promise<void>;
}
