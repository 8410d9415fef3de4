import type { JSONRPCNotification, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { WaitOptions } from './TaskStore.js';

/** A request a task sends to its client, waiting to be delivered or answered. */
export interface OutboxRequest {
  kind: 'request';
  requestId: string;
  message: JSONRPCRequest;
}

/** A message a task sends to its client through `tasks/result`. */
export type OutboxMessage = OutboxRequest | { kind: 'notification'; message: JSONRPCNotification };

/** Options of {@link TaskOutbox.enqueue}. */
export interface EnqueueOptions {
  /**
   * Most notifications the task's queue may hold: when this one makes one too many, the oldest
   * queued notification is dropped. Requests are never dropped, nor counted.
   */
  maxNotifications?: number;
}

/**
 * Per-task FIFO of messages waiting for a `tasks/result` call to carry them to the client
 * (the Python SDK's `TaskMessageQueue`), plus the task's outstanding requests: those enqueued and
 * not yet answered, whether delivered or not.
 */
export interface TaskOutbox {
  /**
   * Appends a message to the task's queue (a request also becomes outstanding) and wakes waiters.
   * Resolves with the number of notifications dropped under `options.maxNotifications` (a queue
   * that does not cap may resolve with nothing).
   *
   * A rejection is not final when the queue is unavailable (it threw, or missed `storeTimeout`):
   * the engine tries the enqueue again with backoff for up to a minute while the task's work
   * waits for it, passing the same `message` object each time. A queue that cannot
   * tell whether a failed call ran after all (Redis, its reply lost) knows the try by that object
   * and queues nothing twice; a new message is a new object.
   */
  enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number | void>;
  /**
   * Puts messages back at the front, in order: they were taken but not delivered or not answered.
   * A caller that tries a failed requeue again passes the same array (less what needs no putting
   * back any more): a queue that cannot tell whether the failed call ran after all (Redis, its
   * reply lost) knows the try by it, and puts nothing back twice.
   */
  requeue(taskId: string, messages: readonly OutboxMessage[]): Promise<void>;
  /** Takes every queued message of the task, oldest first. */
  dequeueAll(taskId: string): Promise<OutboxMessage[]>;
  /**
   * Marks a request answered (or abandoned) and drops it from the task's queue if no `tasks/result`
   * has taken it yet (a task served only through the tasks extension is never dequeued); true if
   * it was outstanding.
   */
  resolve(taskId: string, requestId: string): Promise<boolean>;
  /** Whether a request is still outstanding. */
  isOutstanding(taskId: string, requestId: string): Promise<boolean>;
  /** The task's outstanding requests, oldest first. */
  outstanding(taskId: string): Promise<OutboxRequest[]>;
  /** Drops the task's queue and outstanding requests. */
  clear(taskId: string): Promise<void>;
  /**
   * Resolves as soon as the task's queue is not empty (at once if it already is), or when `signal`
   * aborts. With `listenOnly` the caller takes the queue itself after arming the wait, so the queue
   * may skip its own first look and only listen for the next message.
   */
  waitForMessage(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void>;
}

// The SDK's experimental tasks export a `TaskMessageQueue`, `QueuedMessage` and `QueuedRequest`
// with other shapes; these aliases of the old names go in the next minor release.
/** @deprecated Renamed {@link TaskOutbox} (0.2). */
export type TaskMessageQueue = TaskOutbox;
/** @deprecated Renamed {@link OutboxMessage} (0.2). */
export type QueuedMessage = OutboxMessage;
/** @deprecated Renamed {@link OutboxRequest} (0.2). */
export type QueuedRequest = OutboxRequest;
