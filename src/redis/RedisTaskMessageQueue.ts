import type { Redis } from 'ioredis';
import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../TaskMessageQueue.js';
import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import { withScripts } from './scripts.js';
import type { TaskScripts } from './scripts.js';
import { guarded } from './unavailable.js';

/**
 * A {@link TaskMessageQueue} in Redis: a list per task for what waits for `tasks/result`, a hash per
 * task for outstanding requests. Enqueueing publishes `q <taskId>`, so the `tasks/result` serving
 * the task wakes on whichever instance it runs.
 */
export class RedisTaskMessageQueue implements TaskMessageQueue {
  private readonly redis: Redis & TaskScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    /** Safety expiry of queue keys (ms), in case nobody clears them. */
    private readonly keyTtlMs: number,
  ) {
    this.redis = withScripts(redis);
  }

  async enqueue(taskId: string, message: QueuedMessage): Promise<void> {
    await guarded('enqueue', async () => {
      const multi = this.redis.multi().rpush(this.keys.queue(taskId), JSON.stringify(message)).pexpire(this.keys.queue(taskId), this.keyTtlMs);
      if (message.kind === 'request') {
        multi
          .hset(this.keys.open(taskId), message.requestId, JSON.stringify({ at: Date.now(), message }))
          .pexpire(this.keys.open(taskId), this.keyTtlMs);
      }
      await multi.publish(this.keys.events, `q ${taskId}`).exec();
    });
  }

  async requeue(taskId: string, messages: readonly QueuedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await guarded('requeue', async () => {
      const encoded = messages.map((m) => JSON.stringify(m)).reverse();
      await this.redis
        .multi()
        .lpush(this.keys.queue(taskId), ...encoded)
        .pexpire(this.keys.queue(taskId), this.keyTtlMs)
        .publish(this.keys.events, `q ${taskId}`)
        .exec();
    });
  }

  async dequeueAll(taskId: string): Promise<QueuedMessage[]> {
    return guarded('dequeue', async () => {
      const raw = await this.redis.mtaTakeAll(this.keys.queue(taskId));
      return raw.map((m) => JSON.parse(m) as QueuedMessage);
    });
  }

  async resolve(taskId: string, requestId: string): Promise<boolean> {
    return guarded('resolve', async () => (await this.redis.hdel(this.keys.open(taskId), requestId)) === 1);
  }

  async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return guarded('isOutstanding', async () => (await this.redis.hexists(this.keys.open(taskId), requestId)) === 1);
  }

  async outstanding(taskId: string): Promise<QueuedRequest[]> {
    return guarded('outstanding', async () => {
      const entries = (await this.redis.hvals(this.keys.open(taskId))).map(
        (raw) => JSON.parse(raw) as { at: number; message: QueuedRequest },
      );
      return entries.sort((a, b) => a.at - b.at).map((e) => e.message);
    });
  }

  async clear(taskId: string): Promise<void> {
    await guarded('clear', async () => void (await this.redis.del(this.keys.queue(taskId), this.keys.open(taskId))));
  }

  async waitForMessage(taskId: string, signal: AbortSignal): Promise<void> {
    const woken = this.events.queued.wait(taskId, signal);
    const length = await guarded('length', () => this.redis.llen(this.keys.queue(taskId)));
    if (length > 0) return;
    await woken;
  }
}
