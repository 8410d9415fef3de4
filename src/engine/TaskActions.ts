import { taskMachine } from '../../machines/task.js';
import type { AnnounceParams, SettleParams, TaskMachine, TaskMachineEvent } from '../../machines/task.js';
import type { TaskCluster } from '../backends/TaskCluster.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { mcpError } from '../errors.js';
import { invalidAnswer } from './answers.js';
import { ErrorCode } from '../wire.js';
import { isTerminal } from '../types.js';
import type { TaskRecord } from '../types.js';
import type { EmptyQueues } from './EmptyQueues.js';
import { EndAnswers } from './EndAnswers.js';
import type { LiveTask } from './LiveTask.js';
import { describeSettle } from './outcomes.js';
import type { StoreWriter } from './StoreWriter.js';

/** What the task actors' actions write to and read of the engine. */
export interface ActionCore {
  readonly live: Map<string, LiveTask>;
  readonly store: TaskStore;
  readonly queue: TaskMessageQueue;
  readonly writer: StoreWriter;
  readonly logger: Pick<Console, 'warn' | 'error'>;
  readonly cluster: TaskCluster | undefined;
  /** The fencing token of this instance's store writes (undefined without a cluster). */
  readonly runner: string | undefined;
  send(taskId: string, event: TaskMachineEvent): void;
  /** A stored status of a task run here changed (for watchers such as `subscriptions/listen`). */
  changed(record: TaskRecord): void;
  /** The waiting input requests of a task run here changed, its status did not (TaskWatchers.inputsChanged). */
  inputsChanged?(taskId: string): void;
  /** Tasks that ended here with nothing ever queued. */
  readonly emptyQueues: EmptyQueues;
}

/**
 * The task machine's actions, provided by the engine: each turns a decision of a task actor into
 * store writes (in order, through StoreWriter), status changes for the task's session, and the
 * settling of the work's pending asks.
 * @internal
 */
export class TaskActions {
  /** Who answers a task's end, so that it is not pushed as well (the engine hands it to protocols). */
  readonly ends: EndAnswers;

  constructor(private readonly core: ActionCore) {
    this.ends = new EndAnswers(core.live);
  }

  /** The task machine with these actions provided: each acts for the task its actor is (a task actor's id is its task's id, machines/taskSupervisor.ts). */
  taskMachine(): TaskMachine {
    return taskMachine.provide({
      actions: {
        announce: ({ self }, params: AnnounceParams) => this.announce(self.id, params),
        settle: ({ self }, params: SettleParams) => this.settle(self.id, params),
        answer: ({ self }, params: { requestId: string; result?: unknown; error?: unknown }) => this.inputSettled(self.id, params),
        discard: ({ self }) => this.discard(self.id),
      },
    });
  }

  announce(taskId: string, params: AnnounceParams): void {
    this.write(taskId, async (live) => {
      const record = await this.core.store.update(taskId, params.status, params.message, this.core.runner);
      if (record) this.core.changed(record);
      if (record) await live.spec.session.statusChanged(record);
    });
  }

  settle(taskId: string, params: SettleParams): void {
    const live = this.core.live.get(taskId);
    if (!live) return;
    live.over = true;
    // Cancel and shutdown end the task before its work: the work is told through its signal.
    live.abortWork();
    const { statusMessage, outcome } = describeSettle(taskId, params);
    // Built only when an input is pending: an Error captures a stack, a cost on every settle otherwise.
    if (live.hasInputs) {
      const pendingError =
        params.status === 'cancelled'
          ? mcpError(ErrorCode.InternalError, `Task ${taskId} was cancelled`)
          : mcpError(ErrorCode.InternalError, `Task ${taskId} ended (${params.status}) before the answer arrived`);
      this.rejectInputs(taskId, live, pendingError);
    }
    // Straight to the writer: `live` is in hand (no lookup and no wrapping closure per settle).
    this.core.writer.write(
      taskId,
      live,
      async () => {
        const settled = await this.core.store.settle(taskId, params.status, statusMessage, outcome, this.core.runner);
        // Only an end stored by this instance: one the store refused (another runner took the task
        // over, and its work may have queued messages) leaves the queue to be read. A tasks/result
        // that the settle woke and that reads the queue before this line just reads it, as before.
        const untouched = settled !== undefined && live.queueUntouched;
        if (untouched) this.core.emptyQueues.add(taskId);
        const record = settled ?? (await this.settledElsewhere(taskId));
        // A cancel drops what the work queued; a queue nothing was ever written to has nothing to
        // drop (on Redis, the clear was a round trip per cancel). A cancel the store refused drops
        // nothing unless the task was cancelled elsewhere: another runner took the task over (a
        // worker pool's job given to another worker, which told this run to stop) and its rerun's
        // notifications and input requests are in the queue for the next tasks/result.
        const cancelled = settled !== undefined || record?.status === 'cancelled';
        if (params.status === 'cancelled' && !untouched && cancelled) await this.core.queue.clear(taskId);
        if (!record) return;
        live.storedEnd(record);
        this.core.changed(record);
        // A tasks/result waiting here, or on its way from the task's own session (ExpectedEnds),
        // answers the requestor with the outcome next (or already did, when another instance stored
        // the end first), and the requestor's own tasks/cancel answers with the cancelled task: the
        // terminal status notification would tell that same requestor less, later. The spec makes
        // it optional (receivers MAY send it), and it cost about 40 µs of process CPU per task over
        // InMemoryTransport in a one-off A/B, mostly the SDK client's zod parse trying three message
        // schemas that fail first (issue 14).
        // Decided once the session may send again: the answer to the call that created the task may carry the end.
        const held = live.spec.session.held?.();
        if (held) await this.ends.hold(taskId, record, held);
        if (this.ends.pushes(taskId, live, params.status)) await live.spec.session.statusChanged(record);
        // Without a cluster, retired as this last write is done (no `then` on the chain: a turn and a
        // promise fewer per task's end); with one, once the cluster released the task (retirement).
      },
      this.retirement(taskId, live),
    );
  }

  /** The task actor took an answer (or error) to one of its requests: settle the work's pending ask. */
  inputSettled(taskId: string, params: { requestId: string; result?: unknown; error?: unknown }): void {
    const live = this.core.live.get(taskId);
    const pending = live?.pendingInput(params.requestId);
    if (!live || !pending) return;
    live.inputs.delete(params.requestId);
    // Answered through another path (tasks/update, another instance): the session tracked it still.
    live.spec.session.forget?.([params.requestId]);
    this.write(taskId, async () => void (await this.core.queue.resolve(taskId, params.requestId)));
    if (params.error !== undefined) return pending.reject(params.error);
    try {
      pending.resolve(pending.parse(params.result));
    } catch (error) {
      pending.reject(invalidAnswer(error));
    }
  }

  /**
   * A second ask while `input_required`, or an answer that leaves others waiting (TaskEngine.send):
   * no status is stored, so the watchers here and the session (a worker pool's worker reports it to
   * the front) are told, as a step of the task's writes: after those before it (an answer's request
   * leaves the outstanding ones in a write of its own), and before the next status goes out.
   */
  inputsChanged(taskId: string): void {
    this.write(taskId, async (live) => {
      this.core.inputsChanged?.(taskId);
      await live.spec.session.inputsChanged?.();
    });
  }

  discard(taskId: string): void {
    const live = this.core.live.get(taskId);
    if (!live) return;
    live.over = true;
    live.abortWork();
    this.rejectInputs(taskId, live, mcpError(ErrorCode.InternalError, `Task ${taskId} expired`));
    this.write(taskId, () => this.forget(taskId));
    this.retire(taskId, live);
  }

  /**
   * The ttl ran out. A running task's actor ends it (its `discard` forgets it through the task's
   * write queue); a settled task is forgotten here. Either way the delete is retried with backoff
   * while the store is away (Redis restarting) and logged if it never comes back, never thrown:
   * this runs from a timer, where a rejection would end the process. A delete given up on is not
   * a leak: Redis expires the task and outcome keys by itself at this same deadline (`PEXPIREAT`
   * in RedisTaskStore.create, the settle script copies the ttl to the outcome), and the queue keys
   * carry their own safety expiry.
   */
  async expire(taskId: string): Promise<void> {
    const live = this.core.live.get(taskId);
    if (live && !live.over) return this.core.send(taskId, { type: 'expire' });
    // Its end is decided but still being stored (a slow settle): its actor is final and would drop
    // the `expire`, and nothing else deletes the record. Forgotten once that end is stored.
    if (live) await live.ended;
    await this.core.writer.retrying(taskId, () => this.forget(taskId), 'forgetting expired task');
  }

  async forget(taskId: string): Promise<void> {
    await this.core.store.delete(taskId);
    await this.core.queue.clear(taskId);
  }

  /** A task actor threw: the supervisor already stopped it, so its record is failed here. */
  async crashed(taskId: string, error: unknown): Promise<void> {
    this.core.logger.error(`mcp-task-actors: task actor ${taskId} crashed`, error);
    const live = this.core.live.get(taskId);
    if (!live) return;
    live.over = true;
    live.abortWork();
    this.rejectInputs(taskId, live, mcpError(ErrorCode.InternalError, `Task ${taskId} failed`));
    const message = 'Internal error in the task actor';
    this.write(taskId, async () => {
      await this.core.store.settle(taskId, 'failed', message, { type: 'error', error: { code: ErrorCode.InternalError, message } });
    });
    this.retire(taskId, live);
  }

  /**
   * The store refused this instance's settle: another instance ended the task first (a tasks/cancel
   * it received, whose command to this runner may still be on the way). This instance holds the
   * client's session, so it reports the stored end, the status every tasks/get now answers.
   */
  private async settledElsewhere(taskId: string): Promise<TaskRecord | undefined> {
    const stored = await this.core.store.get(taskId);
    return stored && isTerminal(stored.status) ? stored : undefined;
  }

  private rejectInputs(taskId: string, live: LiveTask, error: Error): void {
    if (!live.hasInputs) return;
    const abandoned = [...live.inputs.keys()];
    for (const pending of live.inputs.values()) pending.abandon(error);
    live.inputs.clear();
    // Nobody waits for their answers now: the session that delivered them stops tracking them.
    live.spec.session.forget?.(abandoned);
    if (abandoned.length > 0) {
      this.write(taskId, async () => {
        for (const requestId of abandoned) await this.core.queue.resolve(taskId, requestId);
      });
    }
  }

  /**
   * What runs as the task's last write is stored (StoreWriter's `after`, in that write's turn): its
   * live bookkeeping is forgotten, with a cluster once the cluster released the task.
   */
  private retirement(taskId: string, live: LiveTask): () => void {
    const forget = (): void => {
      if (this.core.live.get(taskId) === live) this.core.live.delete(taskId);
      live.end();
    };
    const { cluster } = this.core;
    if (!cluster) return forget;
    // Async: a release that throws at once is logged like one that rejects.
    const release = async (): Promise<void> => cluster.release(taskId);
    return () =>
      void release()
        .catch((error: unknown) => this.core.logger.error(`mcp-task-actors: releasing task ${taskId} failed`, error))
        .then(forget);
  }

  /** Retires the task once its writes so far are stored (a discard's or a crash's last write). */
  private retire(taskId: string, live: LiveTask): void {
    // Writes never reject (StoreWriter logs instead).
    void live.writes.then(this.retirement(taskId, live));
  }

  /** Runs store writes of one task in the order its actor decided them (StoreWriter retries them). */
  private write(taskId: string, step: (live: LiveTask) => Promise<void>): void {
    const live = this.core.live.get(taskId);
    if (live) this.core.writer.write(taskId, live, () => step(live));
  }
}
