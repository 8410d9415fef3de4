import type { EnqueueOptions, OutboxMessage, OutboxRequest, TaskOutbox } from './TaskMessageQueue.js';
import { Waiters } from './Waiters.js';

/** The in-process {@link TaskMessageQueue}. */
export class InMemoryTaskOutbox implements TaskOutbox {
  private readonly queues = new Map<string, OutboxMessage[]>();
  /** Notifications in each task's queue (requests excluded), so a cap costs O(1) per enqueue. */
  private readonly notifications = new Map<string, number>();
  private readonly open = new Map<string, Map<string, OutboxRequest>>();
  private readonly waiters = new Waiters();

  async enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number> {
    if (message.kind === 'request') {
      let open = this.open.get(taskId);
      if (!open) this.open.set(taskId, (open = new Map()));
      open.set(message.requestId, message);
    }
    let queue = this.queues.get(taskId);
    if (queue) queue.push(message);
    else this.queues.set(taskId, (queue = [message]));
    let dropped = 0;
    if (message.kind === 'notification') {
      let count = (this.notifications.get(taskId) ?? 0) + 1;
      const max = options?.maxNotifications ?? Infinity;
      for (; count > max; count--, dropped++) {
        // Oldest first; requests are skipped, so they are never dropped. Usually at index 0 (shift is O(1)).
        const oldest = queue.findIndex((m) => m.kind === 'notification');
        if (oldest < 0) break;
        if (oldest === 0) queue.shift();
        else queue.splice(oldest, 1);
      }
      this.notifications.set(taskId, count);
    }
    this.waiters.wake(taskId);
    return dropped;
  }

  async requeue(taskId: string, messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.queues.set(taskId, [...messages, ...(this.queues.get(taskId) ?? [])]);
    const returned = messages.filter((m) => m.kind === 'notification').length;
    if (returned > 0) this.notifications.set(taskId, (this.notifications.get(taskId) ?? 0) + returned);
    this.waiters.wake(taskId);
  }

  async dequeueAll(taskId: string): Promise<OutboxMessage[]> {
    const queue = this.queues.get(taskId);
    this.queues.delete(taskId);
    this.notifications.delete(taskId);
    return queue ?? [];
  }

  async resolve(taskId: string, requestId: string): Promise<boolean> {
    const open = this.open.get(taskId);
    const had = open?.delete(requestId) ?? false;
    if (open?.size === 0) this.open.delete(taskId);
    // An answered request still waiting here would stay until the ttl: nothing takes it when the
    // task is polled through the tasks extension (no tasks/result), and tasks/result skips it anyway.
    const queue = this.queues.get(taskId);
    if (queue) {
      const rest = queue.filter((m) => m.kind !== 'request' || m.requestId !== requestId);
      // Emptied: dropped, or waitForMessage would keep answering "queued" for nothing.
      if (rest.length === 0) this.queues.delete(taskId);
      else if (rest.length !== queue.length) this.queues.set(taskId, rest);
    }
    return had;
  }

  async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return this.open.get(taskId)?.has(requestId) ?? false;
  }

  async outstanding(taskId: string): Promise<OutboxRequest[]> {
    return [...(this.open.get(taskId)?.values() ?? [])];
  }

  async clear(taskId: string): Promise<void> {
    this.queues.delete(taskId);
    this.notifications.delete(taskId);
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

/** @deprecated Renamed {@link InMemoryTaskOutbox} (0.2): the SDK exports an `InMemoryTaskMessageQueue` of its own. Goes in the next minor release. */
export const InMemoryTaskMessageQueue = InMemoryTaskOutbox;
/** @deprecated Renamed {@link InMemoryTaskOutbox} (0.2). */
export type InMemoryTaskMessageQueue = InMemoryTaskOutbox;
