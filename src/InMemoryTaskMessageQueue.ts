import type { QueuedMessage, TaskMessageQueue } from './TaskMessageQueue.js';
import { Waiters } from './waiters.js';

/** The in-process {@link TaskMessageQueue}. */
export class InMemoryTaskMessageQueue implements TaskMessageQueue {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly waiters = new Waiters();

  async enqueue(taskId: string, message: QueuedMessage): Promise<void> {
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

  async clear(taskId: string): Promise<void> {
    this.queues.delete(taskId);
  }

  waitForMessage(taskId: string, signal: AbortSignal): Promise<void> {
    if (this.queues.has(taskId)) return Promise.resolve();
    return this.waiters.wait(taskId, signal);
  }

  /** Number of tasks with queued messages (for leak checks). */
  get size(): number {
    return this.queues.size;
  }
}
