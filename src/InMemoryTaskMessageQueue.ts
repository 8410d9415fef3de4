import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from './TaskMessageQueue.js';
import { Waiters } from './waiters.js';

/** The in-process {@link TaskMessageQueue}. */
export class InMemoryTaskMessageQueue implements TaskMessageQueue {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly open = new Map<string, Map<string, QueuedRequest>>();
  private readonly waiters = new Waiters();

  async enqueue(taskId: string, message: QueuedMessage): Promise<void> {
    if (message.kind === 'request') {
      let open = this.open.get(taskId);
      if (!open) this.open.set(taskId, (open = new Map()));
      open.set(message.requestId, message);
    }
    const queue = this.queues.get(taskId);
    if (queue) queue.push(message);
    else this.queues.set(taskId, [message]);
    this.waiters.wake(taskId);
  }

  async requeue(taskId: string, messages: readonly QueuedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.queues.set(taskId, [...messages, ...(this.queues.get(taskId) ?? [])]);
    this.waiters.wake(taskId);
  }

  async dequeueAll(taskId: string): Promise<QueuedMessage[]> {
    const queue = this.queues.get(taskId);
    this.queues.delete(taskId);
    return queue ?? [];
  }

  async resolve(taskId: string, requestId: string): Promise<boolean> {
    const open = this.open.get(taskId);
    const had = open?.delete(requestId) ?? false;
    if (open?.size === 0) this.open.delete(taskId);
    return had;
  }

  async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return this.open.get(taskId)?.has(requestId) ?? false;
  }

  async outstanding(taskId: string): Promise<QueuedRequest[]> {
    return [...(this.open.get(taskId)?.values() ?? [])];
  }

  async clear(taskId: string): Promise<void> {
    this.queues.delete(taskId);
    this.open.delete(taskId);
  }

  waitForMessage(taskId: string, signal: AbortSignal): Promise<void> {
    if (this.queues.has(taskId)) return Promise.resolve();
    return this.waiters.wait(taskId, signal);
  }

  /** Number of tasks with queued messages or outstanding requests (for leak checks). */
  get size(): number {
    return new Set([...this.queues.keys(), ...this.open.keys()]).size;
  }
}
