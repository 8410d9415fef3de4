import { ErrorCode, RELATED_TASK_META_KEY } from '../../wire.js';
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { mcpError, toMcpError } from '../../errors.js';
import type { ConnectionPort, IncomingRequest } from '../../session/ServerHost.js';
import type { SessionRouter } from '../../session/SessionRouter.js';
import type { TaskEngine, TaskSession } from '../../engine/TaskEngine.js';
import type { QueuedMessage } from '../../backends/TaskMessageQueue.js';
import { isUnavailable } from '../../backends/storeGuard.js';
import { isTerminal } from '../../types.js';
import type { TaskOutcome, TaskRecord } from '../../types.js';
import { isPastTtl } from '../../engine/taskStorage.js';
import type { WaitOptions } from '../../backends/TaskStore.js';
import { STOP_WAITING } from '../../backends/Waiters.js';
import { merged } from '../../merged.js';
import { nextBackoff, pause } from '../../backoff.js';
import { logPutBackFailure, takeForDelivery } from './takeForDelivery.js';

/** The waits of the serving loop only listen: the loop reads the queue and the record itself after arming them. */
const LISTEN_ONLY: WaitOptions = { listenOnly: true };

/**
 * Serves `tasks/result` (the Python SDK's `TaskResultHandler`): carries the task's queued requests
 * and notifications to the client on this call's response stream, then answers with the outcome.
 *
 * It sleeps on "a message was queued OR the task is terminal", never on a timer, so it answers
 * the moment the task actor settles. Requests it delivered that are still unanswered when the
 * call goes away are put back at the front of the queue for the next `tasks/result`.
 * @internal (no longer exported: it needs the engine and the session router)
 */
export class TaskResultHandler {
  constructor(private readonly engine: TaskEngine) {}

  /**
   * Blocks until the task is terminal and returns what its `tools/call` would have returned.
   * `requestor`: the session of the connection the call came on, when it made one.
   */
  async handle(
    taskId: string,
    owner: string,
    router: SessionRouter,
    request: IncomingRequest,
    requestor?: TaskSession,
  ): Promise<CallToolResult> {
    const connection = router.connection;
    if (!connection) throw mcpError(ErrorCode.InternalError, 'No connection for tasks/result');
    // Ended here with nothing ever queued, record and outcome in this process: answered in this
    // turn. Nothing can be delivered, reclaimed or put back for such a task, and its end was
    // decided already, so no other answer or push is waiting on this call (issue 14: the path
    // below took 14 turns of the microtask queue for it; over Streamable HTTP an answer given
    // within about 6 goes out in one write, about 30 µs less a call).
    const ended = this.engine.storage.endedHere(taskId, owner);
    if (ended) return this.answerWith(taskId, ended);
    // Before the first read: on Redis a settle can land within it, and would push the end to
    // this same session just before this call answers it (issue 14).
    const unexpect = this.engine.ends.expected.add(taskId, requestor);
    try {
      return await this.handleExpected(taskId, owner, router, connection, request);
    } finally {
      unexpect();
    }
  }

  private async handleExpected(
    taskId: string,
    owner: string,
    router: SessionRouter,
    connection: ConnectionPort,
    request: IncomingRequest,
  ): Promise<CallToolResult> {
    // A task already terminal (most calls of a short task) is answered without arming a wait: no
    // AbortController, listener or takeover per call. A call that arrives while the store is away
    // is told so at once (-32603).
    const first = await this.engine.get(taskId, owner);
    if (isTerminal(first.status)) {
      const answered = await this.answerTerminal(taskId, router, connection, request.id);
      if (answered) return answered;
    }
    const current = takeOverResultCall(connection, taskId, { requestId: request.id, signal: request.signal });
    try {
      return await this.serve(taskId, owner, first, router, connection, current.call);
    } finally {
      current.release();
    }
  }

  private async serve(
    taskId: string,
    owner: string,
    first: TaskRecord,
    router: SessionRouter,
    connection: ConnectionPort,
    call: { requestId: RequestId; signal: AbortSignal },
  ): Promise<CallToolResult> {
    // `first` is handle()'s read, not a second one (a Redis round trip): if the task ended since,
    // the loop below sees it, since it reads the record again after arming its waits.
    const detach = this.engine.ends.attach(taskId);
    await router.reclaim(connection, taskId);
    const delivered: Extract<QueuedMessage, { kind: 'request' }>[] = [];
    let backoff = 0;
    // Messages this call could not push (deliver) are back in the queue, where a wait for messages
    // would see them at once: from then on it waits for the end only, and a later tasks/result
    // (the client's GET stream open by then) pushes them.
    let stalled = false;
    try {
      // Ended before this call came (the common case for short work): nothing to wait for, so no
      // wait is armed and the record is not read again; what is still queued goes out first.
      // Saves three Redis round trips per lifecycle. A store that fails here: the loop below retries.
      if (isTerminal(first.status)) {
        try {
          await this.deliver(taskId, router, connection, call.requestId, delivered, true);
          return await this.answer(taskId);
        } catch (error) {
          if (!isUnavailable(error) || call.signal.aborted) throw error;
        }
      }
      let settled = false;
      for (;;) {
        if (settled) {
          // Woken because the task ended: answer without arming two waits for nothing (on Redis
          // that saved two round trips per wake, issue 14). The stored outcome is the proof of the
          // end (a settle stores it with the status), so the record is not read again first: that
          // read was about 65 µs of the 0.6 ms from the work's return to this answer, after the
          // process idled (issue 14, wake latency). A spurious wake, or a task gone or past its
          // ttl meanwhile, loops on as before (its read of the record tells the client why).
          settled = false;
          try {
            if (!isPastTtl(first)) {
              // The outcome before the queue: it tells whether the task has ended as its queue is read.
              const outcome = await this.engine.storage.findOutcome(taskId);
              await this.deliver(taskId, router, connection, call.requestId, delivered, outcome !== undefined);
              if (outcome) return this.answerWith(taskId, outcome);
            }
          } catch (error) {
            if (!isUnavailable(error) || call.signal.aborted) throw error;
          }
        }
        const wake = new AbortController();
        const stopWaiting = (): void => wake.abort(STOP_WAITING);
        call.signal.addEventListener('abort', stopWaiting, { once: true });
        // Aborted during an await above (the client's cancel, a newer call taking over): an abort
        // event fires once, so this listener would never hear it and the wait would hold the call.
        if (call.signal.aborted) stopWaiting();
        // Armed before looking, so a message or settle that lands in between still wakes us. It
        // never rejects: a wait that fails (Redis away) while deliver() or get() throws would
        // otherwise be an unhandled rejection, which ends the process; its failure is read below.
        // Listen only: deliver() and get() below are the looks (two Redis round trips fewer per wait).
        const queued = stalled ? undefined : this.engine.storage.waitForMessage(taskId, wake.signal, LISTEN_ONLY).then(() => false);
        const ended = this.engine.storage.waitForTerminal(taskId, wake.signal, LISTEN_ONLY).then(() => true);
        const woken = (queued ? Promise.race([queued, ended]) : ended).then(
          (terminal) => ({ terminal }),
          (error: unknown) => ({ error }),
        );
        try {
          // Whether the task has ended is read as its queue is taken, not taken from an earlier read
          // (`first` said working; an end may have landed since): by deliver, only when a request
          // is taken (that read then serves below too), else here after it, as before.
          let read: TaskRecord | undefined;
          const current = async (): Promise<TaskRecord> => (read = await this.engine.get(taskId, owner));
          if (!stalled) stalled = await this.deliver(taskId, router, connection, call.requestId, delivered, current);
          const record = read ?? (await this.engine.get(taskId, owner));
          // Awaited here: a bare `return` would leave the rejection unhandled while the finally blocks await.
          if (isTerminal(record.status)) return await this.answer(taskId);
          const wakeUp = await woken;
          if ('error' in wakeUp) throw wakeUp.error;
          settled = wakeUp.terminal;
          backoff = 0;
        } catch (error) {
          // The store or queue is away (Redis restarting, or its connections not all back yet):
          // the call stays open and looks again, with backoff, until Redis answers or the client
          // gives up. Anything else (task gone, client gone) ends the call.
          if (!isUnavailable(error) || call.signal.aborted) throw error;
          backoff = nextBackoff(backoff);
          await pause(backoff, call.signal);
        } finally {
          wake.abort(STOP_WAITING);
          call.signal.removeEventListener('abort', stopWaiting);
        }
        if (call.signal.aborted) throw endedEarly(taskId, call.signal);
      }
    } finally {
      detach();
      await this.engine.storage.putBack(taskId, delivered);
    }
  }

  /**
   * Delivers what is left in a terminal task's queue and its outcome; undefined when the store or
   * queue is away meanwhile (the waiting path then retries with backoff).
   */
  private async answerTerminal(
    taskId: string,
    router: SessionRouter,
    connection: ConnectionPort,
    requestId: RequestId,
  ): Promise<CallToolResult | undefined> {
    const detach = this.engine.ends.attach(taskId);
    const delivered: Extract<QueuedMessage, { kind: 'request' }>[] = [];
    try {
      await router.reclaim(connection, taskId);
      await this.deliver(taskId, router, connection, requestId, delivered, true);
      return await this.answer(taskId);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      return undefined;
    } finally {
      detach();
      await this.engine.storage.putBack(taskId, delivered);
    }
  }

  /**
   * Sends the task's queued messages on this call's response stream; where that carries only the
   * answer (ConnectionPort.answersOnly: Streamable HTTP in JSON-response mode, which dropped them
   * unsaid and left the task `input_required` for ever) they are pushed on the session's standalone
   * stream, as a polled task's are. With no such stream open they stay queued (`tasks/get` shows
   * `input_required`) for a later `tasks/result`. Resolves true when a push failed and the rest went
   * back to the queue. An ended task's requests are not sent (`end`: see takeForDelivery.ts).
   */
  private async deliver(
    taskId: string,
    router: SessionRouter,
    connection: ConnectionPort,
    relatedRequestId: RequestId,
    delivered: Extract<QueuedMessage, { kind: 'request' }>[],
    end: boolean | (() => Promise<TaskRecord>),
  ): Promise<boolean> {
    const pushing = connection.answersOnly === true;
    const { send: batch, unsent } = await takeForDelivery(this.engine.storage, this.engine.options.logger, taskId, end);
    // Taken and not sent (the task has ended): dropped, where they waited for the queue's 24 h
    // expiry. A drop that fails (Redis away) is logged: left to that expiry, never sent.
    if (unsent.length > 0) {
      await this.engine.storage
        .dropRequests(taskId, unsent)
        .catch((error: unknown) =>
          this.engine.options.logger.error(`mcp-task-actors: could not drop the requests of ended task ${taskId}`, error),
        );
    }
    // Answers only, and no stream can ever open (stateless JSON-response serving): a request of the
    // task would wait in the queue and this call with it, for ever. Back to the queue, and told.
    const request = pushing && connection.sessionless === true ? batch.find((message) => message.kind === 'request') : undefined;
    if (request) {
      await this.engine.storage.returnMessages(taskId, batch);
      throw mcpError(ErrorCode.InvalidRequest, unreachableInput(taskId, request.message.method));
    }
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i]!;
      let sent = true;
      try {
        if (message.kind === 'request') {
          // Answered meanwhile (maybe through another call or instance): nothing to ask any more.
          if (!(await this.engine.storage.isOutstanding(taskId, message.requestId))) continue;
        }
        if (pushing) sent = await router.push(connection, taskId, message);
        else await router.deliver(connection, taskId, message, relatedRequestId);
      } catch (error) {
        // Not lost: the rest of the batch goes back for the next attempt (the store may be away too).
        await this.engine.storage
          .returnMessages(taskId, batch.slice(i))
          .catch((requeueError: unknown) => logPutBackFailure(this.engine.options.logger, taskId, requeueError));
        throw error;
      }
      if (!sent) {
        // This one and the rest, in order, for a later try.
        await this.engine.storage.returnMessages(taskId, batch.slice(i));
        return true;
      }
      // A pushed request is the router's to put back (its stream ended or closed), not this call's.
      if (message.kind === 'request' && !pushing) delivered.push(message);
    }
    return false;
  }

  private async answer(taskId: string): Promise<CallToolResult> {
    return this.answerWith(taskId, await this.engine.storage.outcome(taskId));
  }

  private answerWith(taskId: string, outcome: TaskOutcome): CallToolResult {
    // Before this instance's actor may hear of the end (a cancel stored by another instance).
    this.engine.ends.answered(taskId);
    if (outcome.type === 'error') throw toMcpError(outcome.error);
    return merged(outcome.result, { _meta: merged(outcome.result._meta, { [RELATED_TASK_META_KEY]: { taskId } }) });
  }
}

/** Why a `tasks/result` of a stateless JSON-response server cannot carry its task's input request. */
function unreachableInput(taskId: string, method: string): string {
  return (
    `Task ${taskId} waits for input (${method}) that cannot reach the client: this server answers each request ` +
    'with one JSON body and has no session for a GET stream to carry it'
  );
}

/** Why an older `tasks/result` stopped: a newer one of the same task on the same connection took over. */
const TAKEN_OVER: unknown = Object.freeze({ stopped: 'a newer tasks/result took over' });

/**
 * The -32001 of a `tasks/result` that stopped waiting. Only one taken over by a newer call is ever
 * sent (a cancelled call or a closed connection gets no answer), so that one says so: it read
 * "tasks/result was cancelled" to a client that had cancelled nothing.
 */
function endedEarly(taskId: string, signal: AbortSignal): Error {
  if (signal.reason !== TAKEN_OVER) return mcpError(ErrorCode.RequestTimeout, 'tasks/result was cancelled');
  const message = `tasks/result of task ${taskId} was taken over by a newer tasks/result of the same task on this connection`;
  return mcpError(ErrorCode.RequestTimeout, message);
}

/** The open `tasks/result` call per task, for each connection. */
const open = new WeakMap<ConnectionPort, Map<string, AbortController>>();

/**
 * Makes a new `tasks/result` for a task take over from an older one on the same connection.
 *
 * Over Streamable HTTP a client whose response stream drops (network loss, a closed client that
 * resumes its session) leaves the old call's handler waiting forever: the SDK does not abort a
 * handler when its stream goes away. That handler still holds the input requests it delivered, so
 * the next `tasks/result` would never see them and the task would wait for an answer nobody can
 * give. Aborting the older call puts those requests back in the queue, and the newer call asks
 * them again. A client that really waits on two calls for one task on one connection gets -32001
 * on the older one and its answer on the newer.
 */
function takeOverResultCall(
  connection: ConnectionPort,
  taskId: string,
  call: { requestId: RequestId; signal: AbortSignal },
): { call: { requestId: RequestId; signal: AbortSignal }; release(): void } {
  let calls = open.get(connection);
  if (!calls) open.set(connection, (calls = new Map()));
  calls.get(taskId)?.abort(TAKEN_OVER);
  // Aborted by the call's own signal or by a newer call (AbortSignal.any needs Node 20.3).
  const mine = new AbortController();
  const follow = (): void => mine.abort(STOP_WAITING);
  if (call.signal.aborted) mine.abort(STOP_WAITING);
  else call.signal.addEventListener('abort', follow, { once: true });
  calls.set(taskId, mine);
  return {
    call: { requestId: call.requestId, signal: mine.signal },
    release: () => {
      call.signal.removeEventListener('abort', follow);
      if (calls.get(taskId) === mine) calls.delete(taskId);
    },
  };
}
