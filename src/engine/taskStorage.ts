import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { PeekEnded, TaskStore, WaitOptions } from '../backends/TaskStore.js';
import { mcpError } from '../errors.js';
import { isTerminal } from '../types.js';
import type { TaskOutcome, TaskPage, TaskRecord } from '../types.js';
import { nextBackoff, pause } from '../backoff.js';
import { EmptyQueues } from './EmptyQueues.js';
import { SETTLED } from './LiveTask.js';
import { ErrorCode } from '../wire.js';
import { isoTime } from '../isoTime.js';

/**
 * Whether a task is past its ttl (createdAt + ttl) by this instance's clock. Clients are never shown
 * such a task, though its record may still be stored for a moment: the engine that runs it deletes
 * it at that deadline, but on another instance (or a worker pool's front) the delete lands a round
 * trip later, and Redis's own expiry follows Redis's clock. So every instance agrees from the
 * deadline on (also under a test's fake clock); the engine's own reads still see the record, to end
 * and delete it.
 */
export function isPastTtl(record: TaskRecord, now = Date.now()): boolean {
  return isoTime(record.createdAt) + record.ttl <= now;
}

/**
 * The reads and queue moves protocols make on the engine's store and queue (`engine.storage`):
 * the engine still owns both, and writes only through its actors; this is what others may do.
 * @internal
 */
export class TaskStorage {
  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskMessageQueue,
    private readonly logger: Pick<Console, 'error'>,
    private readonly emptyQueues = new EmptyQueues(),
    /** The task's store writes still under way on this instance (its write chain), settled when none. */
    private readonly writes?: (taskId: string) => Promise<void>,
    /** A terminal task's record and outcome without I/O, where the store can tell (TaskEngineOptions). */
    private readonly peekEnded?: PeekEnded,
    /** Aborts when the engine closes: a put-back tried again stops then (its store is closing too). */
    private readonly closing?: AbortSignal,
  ) {}

  /**
   * The outcome of the owner's task when it can be answered at once: it ended on this instance with
   * nothing ever queued for its `tasks/result` ({@link EmptyQueues}, which this takes), and the store
   * holds its record and outcome in this process (`peekEnded`). Checked as `get` checks: another
   * owner's task, or one past its ttl, gives undefined, and so does anything this cannot tell
   * without I/O: the caller then reads the store and the queue as before.
   */
  endedHere(taskId: string, owner: string): TaskOutcome | undefined {
    // The queue's mark first, without taking it: a peek may forget what it hands out (Redis's cache
    // of what it settled), and a task whose queue must be read should keep that for the reads below.
    if (!this.peekEnded || !this.emptyQueues.has(taskId)) return undefined;
    const ended = this.peekEnded(taskId);
    if (!ended || ended.record.owner !== owner || isPastTtl(ended.record)) return undefined;
    this.emptyQueues.take(taskId);
    return ended.outcome;
  }

  /** The record whoever owns it, undefined once gone (for a caller that holds the task already). */
  find(taskId: string): Promise<TaskRecord | undefined> {
    return this.store.get(taskId);
  }

  /** A page of the owner's tasks, without those past their ttl (see {@link isPastTtl}). */
  async list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    const page = await this.store.list(owner, cursor, limit);
    return page.tasks.some((record) => isPastTtl(record)) ? { ...page, tasks: page.tasks.filter((record) => !isPastTtl(record)) } : page;
  }

  /** The outcome of a terminal task; undefined while it runs, and once it is gone. */
  findOutcome(taskId: string): Promise<TaskOutcome | undefined> {
    return this.store.getOutcome(taskId);
  }

  /** The outcome of a terminal task. */
  async outcome(taskId: string): Promise<TaskOutcome> {
    const outcome = await this.findOutcome(taskId);
    if (!outcome) throw mcpError(ErrorCode.InternalError, `Task ${taskId} has no stored outcome`);
    return outcome;
  }

  /** Resolves when the task is terminal (or gone); `signal` ends the wait. */
  waitForTerminal(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    return this.store.waitForTerminal(taskId, signal, options);
  }

  /** Resolves when a message is queued for the task's `tasks/result`; `signal` ends the wait. */
  waitForMessage(taskId: string, signal: AbortSignal, options?: WaitOptions): Promise<void> {
    return this.queue.waitForMessage(taskId, signal, options);
  }

  /**
   * Takes every message queued for `tasks/result` (the FIFO role of the queue). A task that ended
   * here with nothing ever queued is answered without reading the queue (see {@link EmptyQueues}).
   */
  takeMessages(taskId: string): Promise<QueuedMessage[]> {
    if (this.emptyQueues.take(taskId)) return Promise.resolve([]);
    const taken = this.queue.dequeueAll(taskId);
    return this.writes ? taken.then((batch) => this.afterWrites(taskId, batch)) : taken;
  }

  /**
   * A request goes out (on a `tasks/result`, or pushed: TaskPort's pushQueued takes through here
   * too) only after the task's writes before it: the work queued it first, then its actor stored
   * `input_required`. On a slow store (Redis Cluster under load) the client otherwise read
   * `working` while answering. A request taken before its actor was told of it (its enqueue landed
   * but had not answered yet) is held by a link of those writes (TaskPort holdWritesUntilAsked);
   * the actor's `input_required` is chained as that link ends, so the writes are read once more then.
   */
  private afterWrites(taskId: string, batch: QueuedMessage[]): QueuedMessage[] | Promise<QueuedMessage[]> {
    const writes = this.writes;
    if (!writes || !batch.some((message) => message.kind === 'request')) return batch;
    const before = writes(taskId);
    return before.then(() => {
      const after = writes(taskId);
      return after === SETTLED || after === before ? batch : after.then(() => batch);
    });
  }

  /** Puts messages back at the front of the FIFO, for the next `tasks/result`. */
  returnMessages(taskId: string, messages: QueuedMessage[]): Promise<void> {
    return this.queue.requeue(taskId, messages);
  }

  /**
   * Drops requests an ended task's `tasks/result` took and did not send (nothing can use their
   * answers): resolved, so no queue, hold or outstanding entry of them is left behind. One write
   * per request; only leftovers of a process that died mid-way come here (takeForDelivery.ts).
   */
  async dropRequests(taskId: string, requests: readonly QueuedRequest[]): Promise<void> {
    for (const request of requests) await this.queue.resolve(taskId, request.requestId);
  }

  /**
   * Puts delivered, still unanswered requests back for the next `tasks/result`. Most calls
   * delivered none: those touch no queue and make no async frame (every caller may pass an empty list).
   */
  putBack(taskId: string, delivered: readonly QueuedRequest[]): Promise<void> {
    if (delivered.length === 0) return SETTLED;
    return putBackUnanswered(this.queue, this.logger, taskId, delivered, () => this.waitsForInput(taskId));
  }

  /**
   * Whether the task may still wait for input, for the retries of a put-back: false once it ended,
   * went or passed its ttl, or the engine closed (its deadline otherwise). Rejects while the store is away.
   */
  private async waitsForInput(taskId: string): Promise<false | number> {
    // Closed: every task ended here, and the backend is closing; tries would fail for ten minutes.
    if (this.closing?.aborted) return false;
    const record = await this.store.get(taskId);
    if (!record || isTerminal(record.status) || isPastTtl(record)) return false;
    return isoTime(record.createdAt) + record.ttl;
  }

  /** Whether the task still waits for the answer to `requestId` (the registry role of the queue). */
  isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    return this.queue.isOutstanding(taskId, requestId);
  }

  /** The task's requests still waiting for an answer. */
  outstanding(taskId: string): Promise<QueuedRequest[]> {
    return this.queue.outstanding(taskId);
  }
}

/**
 * How long a put-back that failed is tried again at most (ms). The task stops it sooner when it
 * ends, goes or reaches its ttl; an outage longer than this leaves the requests outstanding and
 * out of the queue, as one failure did before (the task then waits for input until its ttl).
 */
export const PUT_BACK_RETRY_MS = 10 * 60_000;

/**
 * Puts delivered requests that are still unanswered back at the front of the queue, for the next
 * `tasks/result` (the stream that carried them is gone). Never rejects: a store that is away now
 * must not turn a call's own answer into an error. One try is awaited; when it fails, it is tried
 * again in the background with backoff (100 ms doubling to 5 s), for at most
 * {@link PUT_BACK_RETRY_MS} and while `live` does not answer false (it answers the task's ttl
 * deadline, or false once the task can wait for no input; a `live` that rejects is asked again
 * next time). Before that a failed put-back was given up: the requests stayed outstanding but out
 * of the queue, so no `tasks/result` asked them again, and the task waited for input until its ttl.
 */
export async function putBackUnanswered(
  queue: TaskMessageQueue,
  logger: Pick<Console, 'error'>,
  taskId: string,
  delivered: readonly QueuedRequest[],
  live?: () => Promise<false | number>,
): Promise<void> {
  // One array for every try: the queue knows a try of the same put-back by it (the Redis queue
  // then sends the failed requeue again under its id, so one that ran after all puts nothing back twice).
  const pending = [...delivered];
  try {
    await putBackOnce(queue, taskId, pending);
  } catch (error) {
    logger.error(`mcp-task-actors: could not put back the requests of task ${taskId} for the next tasks/result`, error);
    void retryPutBack(queue, logger, taskId, pending, live);
  }
}

/** One try: the requests of `pending` still outstanding (`pending` keeps only those) go back. */
async function putBackOnce(queue: TaskMessageQueue, taskId: string, pending: QueuedRequest[]): Promise<void> {
  const unanswered: QueuedRequest[] = [];
  for (const m of pending) if (await queue.isOutstanding(taskId, m.requestId)) unanswered.push(m);
  // Changed only once every look answered: a try that fails midway leaves the list as it was.
  pending.splice(0, pending.length, ...unanswered);
  if (pending.length > 0) await queue.requeue(taskId, pending);
}

/** The tries after a failed put-back (see {@link putBackUnanswered}); never rejects. */
async function retryPutBack(
  queue: TaskMessageQueue,
  logger: Pick<Console, 'error'>,
  taskId: string,
  pending: QueuedRequest[],
  live: (() => Promise<false | number>) | undefined,
): Promise<void> {
  const bound = Date.now() + PUT_BACK_RETRY_MS;
  let until = bound;
  let lastError: unknown;
  for (let delay = nextBackoff(0, 100, 5_000); Date.now() + delay <= until; delay = nextBackoff(delay, 100, 5_000)) {
    // Not keeping the process alive: the store may stay away for long.
    await pause(delay, undefined, true);
    try {
      if (live) {
        const deadline = await live();
        if (deadline === false) return;
        until = Math.min(bound, deadline);
      }
      await putBackOnce(queue, taskId, pending);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  // The task's ttl came first: nothing waits for these requests any more.
  if (until < bound) return;
  logger.error(
    `mcp-task-actors: gave up putting back the requests of task ${taskId} for the next tasks/result: they stay outstanding, unasked`,
    lastError,
  );
}
