import type { QueuedRequest } from '../backends/TaskMessageQueue.js';
import type { ConnectionPort } from './ServerHost.js';

/** How many requests per connection a late answer is still recognised for, after their task stopped waiting. */
const FORGOTTEN_KEPT = 256;

/** A request sent on a standalone stream, not yet answered. */
interface Pushed {
  taskId: string;
  request: QueuedRequest;
  /** The connection's standalone-stream losses when it was sent. */
  losses: number | undefined;
}

/** The task a client response answers ({@link TrackedRequests.answered}). */
export interface AnsweredRequest {
  taskId: string;
  /** False for a late answer: the task had stopped waiting for this request. */
  awaited: boolean;
}

/**
 * The task requests a session delivered on each of its connections, by request id: what turns a
 * client response into one task's answer. Only ids sent on that very connection count, so another
 * session cannot answer for it. A session router makes one on the first request it tracks: most
 * sessions never have one, and its three maps were about 0.4 KB of every session, kept by each
 * task that outlives its session (bench/sessionHeap.ts).
 * @internal
 */
export class TrackedRequests {
  /** Ids delivered per connection and not yet answered, with their task. */
  private readonly awaiting = new WeakMap<ConnectionPort, Map<string, string>>();
  /** Requests sent on each connection's standalone stream and not yet answered: put back when it closes. */
  private readonly pushed = new WeakMap<ConnectionPort, Map<string, Pushed>>();
  /**
   * The last {@link FORGOTTEN_KEPT} requests per connection that their task stopped waiting for
   * ({@link forget}), with their task: a late answer to one still gets the engine's "dropped an
   * answer" warning rather than reaching the SDK as an answer to nothing.
   */
  private readonly forgotten = new WeakMap<ConnectionPort, Map<string, string>>();

  /** `requestId` of `taskId` was delivered on `connection`: tracked until answered, forgotten or closed. */
  track(connection: ConnectionPort, taskId: string, requestId: string): void {
    let awaiting = this.awaiting.get(connection);
    if (!awaiting) this.awaiting.set(connection, (awaiting = new Map()));
    if (!connection.closed) awaiting.set(requestId, taskId);
  }

  /** {@link track}, for a request sent on the standalone stream: kept with its message until answered. */
  push(connection: ConnectionPort, taskId: string, request: QueuedRequest): void {
    this.track(connection, taskId, request.requestId);
    let pushed = this.pushed.get(connection);
    if (!pushed) this.pushed.set(connection, (pushed = new Map()));
    pushed.set(request.requestId, { taskId, request, losses: connection.standalone?.losses });
  }

  /**
   * The task a response to `requestId` on `connection` answers, if this session sent that id there;
   * a late answer (to a forgotten request) is recognised once. An awaited one stays tracked until
   * {@link untrack}.
   */
  answered(connection: ConnectionPort, requestId: unknown): AnsweredRequest | undefined {
    const key = String(requestId);
    const taskId = this.awaiting.get(connection)?.get(key);
    if (taskId !== undefined) return { taskId, awaited: true };
    const forgotten = this.forgotten.get(connection);
    const late = forgotten?.get(key);
    if (late === undefined) return undefined;
    forgotten!.delete(key);
    return { taskId: late, awaited: false };
  }

  /** How many requests delivered on `connection` are tracked as awaited. */
  awaitedOn(connection: ConnectionPort): number {
    return this.awaiting.get(connection)?.size ?? 0;
  }

  /** The requests delivered on `connection` tracked as awaited, as `[requestId, taskId]` (a copy). */
  awaitedEntries(connection: ConnectionPort): [string, string][] {
    return [...(this.awaiting.get(connection) ?? [])];
  }

  /** No longer tracked: its answer reached the task, or its push could not be sent. */
  untrack(connection: ConnectionPort, requestId: string): void {
    this.awaiting.get(connection)?.delete(requestId);
    this.pushed.get(connection)?.delete(requestId);
  }

  /** Stops tracking requests their task no longer waits for; a late answer to one is still recognised. */
  forget(connection: ConnectionPort, requestIds: readonly string[]): void {
    const awaiting = this.awaiting.get(connection);
    if (!awaiting) return;
    const pushed = this.pushed.get(connection);
    for (const requestId of requestIds) {
      const taskId = awaiting.get(requestId);
      if (taskId === undefined) continue;
      awaiting.delete(requestId);
      pushed?.delete(requestId);
      let forgotten = this.forgotten.get(connection);
      if (!forgotten) this.forgotten.set(connection, (forgotten = new Map()));
      forgotten.set(requestId, taskId);
      // The oldest goes first (a Map keeps insertion order): bounded however many tasks end unanswered.
      if (forgotten.size > FORGOTTEN_KEPT) forgotten.delete(forgotten.keys().next().value!);
    }
  }

  /**
   * The requests of `taskId` pushed on a standalone stream that has ended since they were sent,
   * no longer tracked as pushed (a late answer to one still counts); undefined when the connection
   * never pushed one.
   */
  lost(connection: ConnectionPort, taskId: string): QueuedRequest[] | undefined {
    const pushed = this.pushed.get(connection);
    if (!pushed) return undefined;
    const lost: QueuedRequest[] = [];
    for (const [requestId, entry] of pushed) {
      if (entry.taskId !== taskId || entry.losses === connection.standalone?.losses) continue;
      pushed.delete(requestId);
      lost.push(entry.request);
    }
    return lost;
  }

  /** The connection closed: nothing on it is tracked now. Returns what was pushed on it and never answered. */
  closed(connection: ConnectionPort): Pushed[] {
    this.awaiting.delete(connection);
    this.forgotten.delete(connection);
    const pushed = this.pushed.get(connection);
    this.pushed.delete(connection);
    return pushed ? [...pushed.values()] : [];
  }
}
