import { randomBytes } from 'node:crypto';
import type { EnqueueOptions, QueuedMessage, QueuedRequest, TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { WaitOptions } from '../backends/TaskStore.js';
import type { RedisEvents } from './RedisEvents.js';
import { InputHolds } from './InputHolds.js';
import type { InputHoldTimings } from './InputHolds.js';
import type { RedisKeys } from './keys.js';
import { leaseTimings } from './RedisTaskCluster.js';
import { withScripts } from './scripts.js';
import type { RedisClient, TaskScripts } from './scripts.js';
import { guarded } from './unavailable.js';
import { parseOpen, parseOpenEntry, parseQueued } from './queuedMessages.js';

/**
 * A {@link TaskMessageQueue} in Redis: a list per task for what waits for `tasks/result`, a hash per
 * task for outstanding requests, all on the task's slot. Enqueueing publishes `q <taskId>`, so the
 * `tasks/result` serving the task wakes on whichever instance it runs. Requests taken are held by
 * the taking instance, and looked after by the asking one (InputHolds.ts).
 */
export class RedisTaskMessageQueue implements TaskMessageQueue {
  private readonly redis: RedisClient & TaskScripts;
  /**
   * The id of each requeue, by its messages array: a caller that tries the same put-back again
   * passes the same array (taskStorage.ts putBackUnanswered), and the try goes under the first one's
   * id, so a first try that ran after all (its reply lost, sent again by ioredis, or still on its
   * way when the engine's deadline gave up on it) puts nothing back twice. Kept as long as the
   * array (not dropped on success: a try the caller gave up on may land just before the next try
   * is sent). A new put-back is a new array: a new id.
   */
  private readonly requeueIds = new WeakMap<readonly QueuedMessage[], string>();
  /**
   * The mark id of each enqueue, by its message: the engine tries a failed enqueue again with the
   * same message object (TaskPort enqueueAgain), and the try goes under the first one's mark, so a
   * first try that ran after all (its reply lost, or still on its way when the store timeout gave
   * up on it) queues nothing twice. Set before the first try (which may land after the next one
   * starts), kept as long as the message.
   */
  private readonly enqueueIds = new WeakMap<QueuedMessage, string>();
  /** The id of each task's last take that failed, for its next take (see `dequeueAll`). */
  private readonly failedTakes = new Map<string, string>();
  /** What makes a take's or put-back's id unique across instances (with {@link calls}): no CSPRNG call per take. */
  private readonly callPrefix = randomBytes(6).toString('hex');
  private calls = 0;
  /** Requests taken here and held, and requests asked here (InputHolds.ts). */
  private readonly holds: InputHolds;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    /** Safety expiry of queue keys (ms), in case nobody clears them. */
    private readonly keyTtlMs: number,
    /** How long a take holds a request, and how often holds are renewed (the cluster's lease and renewal). */
    holdTimings: InputHoldTimings = leaseTimings({}),
  ) {
    this.redis = withScripts(redis);
    this.holds = new InputHolds(this.redis, keys, events, this.callPrefix, holdTimings, keyTtlMs, NOTIFICATION_PREFIX);
  }

  async enqueue(taskId: string, message: QueuedMessage, options?: EnqueueOptions): Promise<number> {
    const enqueued = await this.write(taskId, message, options);
    // Waiters here are woken now; the published event reaches the other instances.
    this.events.queued.wake(taskId);
    return enqueued;
  }

  private async write(taskId: string, message: QueuedMessage, options?: EnqueueOptions): Promise<number> {
    // Its own mark: sent again after its reply was lost, by ioredis or by the engine, it queues
    // nothing twice (scripts.ts ENQUEUED_ONCE).
    let enqueueId = this.enqueueIds.get(message);
    if (enqueueId === undefined) this.enqueueIds.set(message, (enqueueId = this.nextCallId()));
    const enqueued = this.keys.enqueued(taskId, enqueueId);
    if (message.kind === 'notification') {
      const max = options?.maxNotifications ?? Infinity;
      return guarded('enqueue', () =>
        this.redis.mtaEnqueueNotification(
          this.keys.queue(taskId),
          this.keys.notificationCount(taskId),
          enqueued,
          String(ENQUEUED_KEPT_MS),
          encodeNotification(message),
          String(this.keyTtlMs),
          max === Infinity ? '-1' : String(max),
          NOTIFICATION_PREFIX,
          TOMBSTONE,
          `q ${taskId}`,
          this.keys.events,
        ),
      );
    }
    return guarded('enqueue', async () => {
      await this.redis.mtaEnqueueRequest(
        this.keys.queue(taskId),
        this.keys.open(taskId),
        enqueued,
        String(ENQUEUED_KEPT_MS),
        JSON.stringify(message),
        message.requestId,
        JSON.stringify({ at: Date.now(), message }),
        String(this.keyTtlMs),
        this.keys.events,
        `q ${taskId}`,
      );
      // Asked by this instance (the task's runner): it looks after the request until answered.
      this.holds.askedFor(taskId, message.requestId);
      return 0;
    });
  }

  async requeue(taskId: string, messages: readonly QueuedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Its own id: sent again after its reply was lost, it puts nothing back twice (scripts.ts REQUEUE).
    let requeueId = this.requeueIds.get(messages);
    if (requeueId === undefined) this.requeueIds.set(messages, (requeueId = this.nextCallId()));
    await guarded('requeue', () => {
      const encoded = messages.map((m) => (m.kind === 'notification' ? encodeNotification(m) : JSON.stringify(m))).reverse();
      const notifications = messages.filter((m) => m.kind === 'notification').length;
      return this.redis.mtaRequeue(
        this.keys.queue(taskId),
        this.keys.notificationCount(taskId),
        this.keys.requeued(taskId, requeueId),
        this.keys.held(taskId),
        String(this.keyTtlMs),
        String(REQUEUED_KEPT_MS),
        String(notifications),
        this.keys.events,
        `q ${taskId}`,
        NOTIFICATION_PREFIX,
        this.holds.holder,
        ...encoded,
      );
    });
    this.holds.putBack(taskId, requestIds(messages));
    this.events.queued.wake(taskId);
  }

  async dequeueAll(taskId: string): Promise<QueuedMessage[]> {
    // Each take has an id; one that failed passes its id to the task's next take here, which then
    // answers what the failed one took if it ran after all (its reply lost). ioredis sends a command
    // left unanswered by a dropped connection again itself, id included (scripts.ts TAKE_ALL).
    const takeId = this.failedTakes.get(taskId) ?? this.nextCallId();
    this.failedTakes.delete(taskId);
    return guarded('dequeue', async () => {
      let raw: string[];
      try {
        raw = await this.redis.mtaTakeAll(
          this.keys.queue(taskId),
          this.keys.notificationCount(taskId),
          this.keys.taken(taskId, takeId),
          this.keys.held(taskId),
          String(TAKEN_KEPT_MS),
          this.holds.holdValue(),
          NOTIFICATION_PREFIX,
          String(this.keyTtlMs),
        );
      } catch (error) {
        if (this.failedTakes.size >= MAX_FAILED_TAKES) this.failedTakes.delete(this.failedTakes.keys().next().value!);
        this.failedTakes.set(taskId, takeId);
        throw error;
      }
      // Entries this library did not write are dropped, not the whole take with them (queuedMessages.ts).
      const taken = parseQueued(raw);
      // The take held its requests for this instance: renewed until answered or put back.
      this.holds.took(taskId, requestIds(taken));
      return taken;
    });
  }

  async resolve(taskId: string, requestId: string): Promise<boolean> {
    return guarded('resolve', async () => {
      const raw = await this.redis.hget(this.keys.open(taskId), requestId);
      if (raw === null) return false;
      // The list holds the request as enqueue serialised it; the hash keeps the same object, and a
      // JSON round trip reproduces the string, so LREM finds it. Without this an answered request
      // of a task polled through the tasks extension (never dequeued) stayed until the key expired.
      // An entry this library did not write: nothing of it to find in the list, the rest goes.
      const message = parseOpenEntry(raw);
      const replies = await this.redis
        .multi()
        .hdel(this.keys.open(taskId), requestId)
        .lrem(this.keys.queue(taskId), 0, message ? JSON.stringify(message) : '')
        .hdel(this.keys.held(taskId), requestId)
        // Its answer's stored copy, if a forward stored one (StoredAnswers.ts): taken by no look now.
        .hdel(this.keys.answers(taskId), requestId)
        .exec();
      this.holds.resolved(taskId, requestId);
      const [deleted] = replies ?? [];
      if (deleted?.[0]) throw deleted[0];
      return deleted?.[1] === 1;
    });
  }

  async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return guarded('isOutstanding', async () => (await this.redis.hexists(this.keys.open(taskId), requestId)) === 1);
  }

  async outstanding(taskId: string): Promise<QueuedRequest[]> {
    return guarded('outstanding', async () => {
      // Oldest first; an entry this library did not write is left out, not every request with it.
      return parseOpen(await this.redis.hvals(this.keys.open(taskId)));
    });
  }

  async clear(taskId: string): Promise<void> {
    await guarded('clear', async () => {
      this.holds.cleared(taskId);
      const keys = [
        this.keys.queue(taskId),
        this.keys.open(taskId),
        this.keys.notificationCount(taskId),
        this.keys.held(taskId),
        this.keys.answers(taskId),
      ];
      await this.redis.del(...keys);
    });
  }

  async waitForMessage(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    const woken = this.events.queued.wait(taskId, signal);
    // The caller takes the queue itself after arming this wait: a round trip less per wait.
    if (options?.listenOnly) return woken;
    const length = await guarded('length', () => this.redis.llen(this.keys.queue(taskId)));
    if (length > 0) return;
    await woken;
  }

  /** A new id for one enqueue, take or put-back (all its sends): the key it marks expires (see below). */
  private nextCallId(): string {
    return `${this.callPrefix}${(++this.calls).toString(36)}`;
  }
}

/**
 * How long Redis keeps what a take took, for the same call sent again (ms): ioredis sends it on its
 * next connection, within a second; the caller's retries come within seconds.
 */
const TAKEN_KEPT_MS = 60_000;
/**
 * How long the mark of an enqueue lives (ms): longer than the engine tries a failed enqueue again
 * (TaskPort ENQUEUE_RETRY_MS, 1 min), so its last try still finds the mark of a first one that ran.
 */
const ENQUEUED_KEPT_MS = 2 * 60_000;
/**
 * How long the mark of a requeue lives (ms): longer than a failed put-back is tried again
 * (taskStorage.ts PUT_BACK_RETRY_MS, 10 min), so a try after a long outage still finds the mark of
 * a first try that ran. Requeues are rare: what a delivery could not send, requests left unanswered.
 */
const REQUEUED_KEPT_MS = 15 * 60_000;
/** Failed takes remembered at most (the oldest go first): one per task whose take failed. */
const MAX_FAILED_TAKES = 10_000;

/** How a queued notification's JSON starts: the enqueue script tells notifications from requests by it. */
const NOTIFICATION_PREFIX = '{"kind":"notification",';
/** Not JSON, so no queued message equals it: marks a notification the script removes from mid-list. */
const TOMBSTONE = 'mta:dropped';

/** The request ids among `messages`. */
function requestIds(messages: readonly QueuedMessage[]): string[] {
  const ids: string[] = [];
  for (const m of messages) if (m.kind === 'request') ids.push(m.requestId);
  return ids;
}

/** A notification as stored, `kind` first whatever the caller's key order (see NOTIFICATION_PREFIX). */
function encodeNotification(message: Extract<QueuedMessage, { kind: 'notification' }>): string {
  return JSON.stringify({ kind: 'notification', message: message.message });
}
