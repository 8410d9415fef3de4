import type { TaskMachineEvent } from '../../machines/task.js';
import type { ClusterCommand, ClusterHandlers, TaskCluster } from '../backends/TaskCluster.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { isTerminal } from '../types.js';
import type { Answer, TaskRecord } from '../types.js';
import { errorShape, isUnavailable } from '../errors.js';
import { ErrorCode, McpError } from '../wire.js';
import { LiveTask } from './LiveTask.js';
import type { TaskEngineOptions } from './TaskEngineOptions.js';
import type { TaskSession } from './TaskSpec.js';

/** What the cluster glue needs of the engine. */
export interface EngineCore {
  readonly store: TaskStore;
  readonly queue: TaskMessageQueue;
  readonly logger: Pick<Console, 'warn' | 'error'>;
  /** The restartable tools' work, and the live-task slot a rerun of one holds here. */
  readonly options: Pick<TaskEngineOptions, 'restartWork' | 'adopt' | 'release'>;
  isLive(taskId: string): boolean;
  /** The live task of `taskId` on this instance, if any. */
  liveTask(taskId: string): LiveTask | undefined;
  isClosing(): boolean;
  /** Runs an operation that may start a task here: `close` waits for it (engine/Shutdown.ts). */
  inFlight<T>(operation: () => Promise<T>): Promise<T>;
  send(taskId: string, event: TaskMachineEvent): void;
  answer(taskId: string, requestId: string, answer: Answer): void;
  /** Runs a task again on this instance: bookkeeping, expiry at `deadline`, a new actor. */
  run(taskId: string, live: LiveTask, deadline: number): void;
  /** A worker reported a status change of a task this front created (worker pools). */
  statusReported?(record: TaskRecord): void;
}

/** A session for a task taken over from a dead instance: its client is not connected here. */
const DETACHED: TaskSession = { clientCapabilities: () => undefined, notify: async () => false, statusChanged: async () => {} };

/**
 * The engine's side of a cluster: commands from other instances (cancel, an answer), a lost
 * lease, and the takeover of tasks whose runner died.
 */
export class ClusterLink implements ClusterHandlers {
  constructor(
    private readonly core: EngineCore,
    private readonly cluster: TaskCluster,
  ) {}

  /**
   * Starts the cluster with this link as its handler of commands, orphans and lost leases. The
   * promise never rejects unhandled: a cluster that cannot start surfaces on the first task that
   * awaits it, not as an unhandled rejection at construction.
   */
  start(): Promise<void> {
    const ready = this.cluster.start({
      command: (taskId, command) => this.command(taskId, command),
      orphaned: (taskId) => this.orphaned(taskId),
      lost: (taskId) => this.lost(taskId),
    });
    ready.catch(() => {});
    return ready;
  }

  /** The fencing token of this instance's store writes. */
  get runner(): string {
    return this.cluster.instanceId;
  }

  command(taskId: string, command: ClusterCommand): void {
    if (command.type === 'status') return this.core.statusReported?.(command.record);
    if (!this.core.isLive(taskId)) {
      if (command.type === 'answer') {
        this.core.logger.warn(`mcp-task-actors: dropped an answer to ${command.requestId}: task ${taskId} is not waiting for it`);
      }
      return;
    }
    if (command.type === 'cancel') this.core.send(taskId, { type: 'cancel', reason: command.reason });
    else this.core.answer(taskId, command.requestId, command.answer);
  }

  orphaned(taskId: string): void {
    // Counted in flight: a close meanwhile waits for the adoption (which then fails the task).
    void this.core.inFlight(() => this.adopt(taskId));
  }

  /** Another instance runs the task now: stop ours without writing (the store fences our writes anyway). */
  lost(taskId: string): void {
    if (!this.core.isLive(taskId)) return;
    this.core.logger.error(`mcp-task-actors: lost the lease of task ${taskId}; stopping its local run`);
    this.core.send(taskId, { type: 'shutdown', reason: 'Lease lost to another instance' });
  }

  /** Passes an answer on to the instance that runs the task, without waiting (see {@link sendAnswer}). */
  forward(taskId: string, requestId: string, answer: Answer): void {
    sendAnswer(this.cluster, this.core.logger, taskId, requestId, answer).catch(
      // Redis away past the cluster's own retries (a minute on the Redis backend): the answer cannot
      // reach the task's instance; its request stays outstanding in the queue.
      (error: unknown) => this.core.logger.error(`mcp-task-actors: could not pass an answer to ${requestId} on to task ${taskId}`, error),
    );
  }

  /**
   * This instance took over a task whose runner died: run it again when its tool is restartable
   * (at-least-once), else fail it with a clear message so no waiter hangs.
   */
  private async adopt(taskId: string): Promise<void> {
    const { store, queue } = this.core;
    const { restartWork, adopt, release } = this.core.options;
    try {
      let record: TaskRecord | undefined;
      try {
        record = await store.get(taskId);
      } catch (error) {
        // The store's answer, not the store away (the guard's -32603, a Redis error): every read refuses it.
        if (!(error instanceof McpError) || isUnavailable(error)) throw error;
        return await this.failUnreadable(taskId, error);
      }
      if (!record || isTerminal(record.status) || this.core.isLive(taskId)) {
        if (!this.core.isLive(taskId)) await this.cluster.release(taskId);
        return;
      }
      const run = record.restart ? restartWork?.(record.restart.tool, record.restart.args) : undefined;
      if (run && this.core.isClosing()) {
        // This instance is going away, not the task: left as the takeover wrote it, its lease lapses
        // (nothing renews it from now on) and a surviving instance's sweep restarts it. Failing it
        // here lost a task any survivor could have run, on every rolling restart that met a sweep.
        this.cluster.relinquish?.(taskId);
        return;
      }
      if (!run) {
        // The dead run's requests go before the end is stored: this instance dying in between leaves
        // the task unended under a lease that lapses, and the next sweep clears it and fails it
        // again. Cleared after, a death in between left them for their 24 h expiry (a sweep finds the
        // task ended and only releases it), and a tasks/result the settle woke could ask them still.
        await queue.clear(taskId);
        const message = 'The server instance running this task stopped before it finished';
        await store.settle(
          taskId,
          'failed',
          message,
          { type: 'error', error: { code: ErrorCode.InternalError, message, data: { taskId } } },
          this.runner,
        );
        await this.cluster.release(taskId);
        return;
      }
      // Requests the dead runner asked are void: the work starts over and asks again.
      await queue.clear(taskId);
      // Refused: the task ended meanwhile (a cancel stored on another instance, whose command to
      // this runner was dropped since the task was not live here yet). Its work must not start again.
      if (!(await store.update(taskId, 'working', 'Restarted after its server instance stopped', this.runner))) {
        await this.cluster.release(taskId);
        return;
      }
      // The rerun may ask for input as the caller declared it could answer; with no stream to the
      // caller here, the request waits in the shared queue for a tasks/result (or the extension's tasks/get).
      const { capabilities, progressToken } = record.restart!;
      const session: TaskSession = { ...DETACHED, clientCapabilities: () => capabilities };
      // The rerun's progress waits in the shared queue too, on the call's token (absent in older records).
      const live = new LiveTask(
        {
          owner: record.owner,
          session,
          ...(progressToken === undefined ? {} : { progressToken }),
          run,
          restart: record.restart!,
        },
        release,
      );
      // The rerun holds a live-task slot here until it ends (its end gives it back, once), taken
      // without a check: the task exists already, and a refusal would lose it. Over a limit, new
      // creations are refused until it drains. Taken last: no step that could fail comes between.
      adopt?.(record.owner);
      this.core.run(taskId, live, Date.parse(record.createdAt) + record.ttl);
    } catch (error) {
      this.core.logger.error(`mcp-task-actors: taking over task ${taskId} failed; its lease lapses for a sweep to retry`, error);
      // Renewed on, the lease would keep every sweep away and the task `working` with nobody on it.
      if (!this.core.isLive(taskId)) this.cluster.relinquish?.(taskId);
    }
  }

  /**
   * A task taken over whose stored record the store refuses to read (on Redis: a status that is no
   * task status, a ttl that is no number, written by something else): it cannot run again, and every
   * read refuses it alike. Before, its lease lapsed for a sweep to retry, and each sweep took it over,
   * was refused and logged again, every lease until the record expired. Now it is failed once, its
   * reason in its status message; when that cannot be stored either (the store refuses the write),
   * it is only released from the cluster, so that no sweep takes it again. One line logged either way.
   * The store away (an unavailable settle) still lets the lease lapse for a later sweep to retry.
   */
  private async failUnreadable(taskId: string, refusal: McpError): Promise<void> {
    if (this.core.isLive(taskId)) return;
    const reason = errorShape(refusal).message;
    const message = `The server instance running this task stopped before it finished. ${reason}`;
    const outcome = { type: 'error', error: { code: ErrorCode.InternalError, message, data: { taskId } } } as const;
    let failed = false;
    try {
      await this.core.queue.clear(taskId);
      failed = (await this.core.store.settle(taskId, 'failed', message, outcome, this.runner)) !== undefined;
    } catch (error) {
      if (!(error instanceof McpError) || isUnavailable(error)) throw error;
    }
    await this.cluster.release(taskId);
    const done = failed ? 'failed it' : 'the store did not fail it; released it so that no sweep takes it again';
    this.core.logger.error(`mcp-task-actors: task ${taskId}, taken over, has a record that cannot be read (${oneLine(reason)}): ${done}`);
  }
}

/** `text` with its line breaks (a store's message may have some) as spaces: a log line is one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * Sends an answer to the instance that runs the task; resolves once the send is over (false, and a
 * warning, when no instance received it) and rejects when Redis stayed away past the cluster's
 * retries. `tasks/update` waits for it before its ack; a 2025-11-25 answer is forwarded without.
 * @internal
 */
export async function sendAnswer(
  cluster: Pick<TaskCluster, 'send'>,
  logger: Pick<Console, 'warn'>,
  taskId: string,
  requestId: string,
  answer: Answer,
): Promise<boolean> {
  const sent = await cluster.send(taskId, { type: 'answer', requestId, answer });
  // The cluster sent it again while it could (a runner resubscribing); no runner received it.
  if (!sent) logger.warn(`mcp-task-actors: dropped an answer to ${requestId}: no instance running task ${taskId} received it`);
  return sent;
}
