import { randomBytes } from 'node:crypto';
import { createActor } from 'xstate';
import type { Actor, ActorRefFrom, AnyActorRef } from 'xstate';
import type { TaskMachine, TaskMachineEvent } from '../../machines/task.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import type { JobHandlers } from '../backends/TaskPlacement.js';
import type { TaskMessageQueue } from '../backends/TaskMessageQueue.js';
import type { TaskStore } from '../backends/TaskStore.js';
import { mcpError, taskNotFound } from '../errors.js';
import { isTerminal } from '../types.js';
import type { Answer, TaskRecord } from '../types.js';
import { ErrorCode } from '../wire.js';
import { followClientTask } from './ClientTasks.js';
import type { ClientTaskFollow } from './ClientTasks.js';
import { ClusterLink } from './ClusterLink.js';
import { EmptyQueues } from './EmptyQueues.js';
import type { EndAnswers } from './EndAnswers.js';
import { Shutdown } from './Shutdown.js';
import { SupervisorHandle } from './SupervisorHandle.js';
import { TaskWatchers, stillWaiting } from './TaskWatchers.js';
import type { TaskWatcher } from './TaskWatchers.js';
import { ExpirySchedule } from './ExpirySchedule.js';
import { LiveTask, SETTLED } from './LiveTask.js';
import { cancelUnrun } from './cancelUnrun.js';
import { notStored } from './notStored.js';
import { withTimeout } from '../withTimeout.js';
import { unclaimed } from './unclaimed.js';
import { requestIdFor } from './requestIds.js';
import { StoreWriter } from './StoreWriter.js';
import { isoTime } from '../isoTime.js';
import { isPastTtl, TaskStorage } from './taskStorage.js';
import { TaskActions } from './TaskActions.js';
import { newTaskRecord } from './newTaskRecord.js';
import type { TaskSession, TaskSpec } from './TaskSpec.js';
import type { TaskPortDeps } from './TaskPort.js';
import { answerEvent } from './answerEvent.js';
import { WorkRunner } from './WorkRunner.js';
import { FrontLink } from './FrontLink.js';
import { WorkerLink } from './WorkerLink.js';

export type { TaskSession, TaskSpec } from './TaskSpec.js';
export type { TaskEngineOptions } from './TaskEngineOptions.js';
import type { TaskEngineOptions } from './TaskEngineOptions.js';

/**
 * The protocol-agnostic core: the root actor and its task actors, the store and queue they write
 * to (private: protocols read and answer through the methods below), and the actions that connect
 * them. Per-task bookkeeping is in LiveTask.ts, running the work in WorkRunner.ts, the work's
 * context in workContext.ts, ordered writes in StoreWriter.ts, the cluster glue in ClusterLink.ts.
 *
 * The reads and queue moves protocols make are `storage` (engine/taskStorage.ts); the worker
 * pool's two sides are `FrontLink` and `WorkerLink`; status watchers are `TaskWatchers`; what
 * `close` waits for is `Shutdown`; who answers a task's end (so it is not pushed too) is `ends`.
 * @internal
 */
export class TaskEngine {
  readonly actor: Actor<typeof taskSupportMachine>;
  /** What protocols may read of the store and move in the queue (engine/taskStorage.ts). */
  readonly storage: TaskStorage;
  private readonly live = new Map<string, LiveTask>();
  /** Who answers a task's end (a `tasks/result`, the CreateTaskResult), so that it is not pushed as well. */
  readonly ends: EndAnswers;
  private readonly expiry: ExpirySchedule;
  private readonly actions: TaskActions;
  private readonly work: WorkRunner;
  private readonly link: ClusterLink | undefined;
  private readonly workerLink: WorkerLink | undefined;
  private readonly frontLink: FrontLink | undefined;
  private readonly requestPrefix = `mta-${randomBytes(4).toString('hex')}-`;
  private requestCount = 0;
  private readonly shutdown = new Shutdown();
  private closed: Promise<void> | undefined;
  private readonly watchers = new TaskWatchers();
  private readonly supervisor: SupervisorHandle;
  private readonly clusterReady: Promise<void>;

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskMessageQueue,
    readonly options: TaskEngineOptions,
  ) {
    const emptyQueues = new EmptyQueues();
    const writes = (taskId: string): Promise<void> => this.live.get(taskId)?.writes ?? SETTLED;
    this.storage = new TaskStorage(store, queue, options.logger, emptyQueues, writes, options.peekEnded, this.shutdown.signal);
    const writer = new StoreWriter(options.logger, () => this.shutdown.began);
    const send = (taskId: string, event: TaskMachineEvent): void => this.send(taskId, event);
    const { live } = this;
    const cluster = options.cluster;
    const runner = cluster?.instanceId;
    const changed = (record: TaskRecord): void => this.watchers.tell(record);
    const inputsChanged = (taskId: string): void => this.watchers.inputsChanged(taskId);
    const core = { live, store, queue, writer, logger: options.logger, cluster, runner, send, changed, inputsChanged, emptyQueues };
    this.actions = new TaskActions(core);
    this.ends = this.actions.ends;
    const root = taskSupportMachine.provide({ actors: { supervisor: createTaskSupervisor(this.actions.taskMachine()) } });
    this.actor = createActor(root, options.inspect ? { inspect: options.inspect } : {});
    this.supervisor = new SupervisorHandle(this.actor);
    const portDeps: TaskPortDeps = {
      queue,
      take: (taskId) => this.storage.takeMessages(taskId),
      find: (taskId) => this.storage.find(taskId),
      logger: options.logger,
      maxQueuedNotifications: options.maxQueuedNotifications,
      emptyQueues,
      nextRequestId: (taskId) => requestIdFor(this.requestPrefix, ++this.requestCount, taskId),
      send,
      answer: (taskId, requestId, answer) => this.answer(taskId, requestId, answer),
      follow: (taskId, follow) => this.followClientTask(taskId, follow),
    };
    this.work = new WorkRunner(live, portDeps, send);
    // Never rejects (see expire); the catch is a last guard, since a timer's rejection ends the process.
    this.expiry = new ExpirySchedule(
      (taskId) =>
        void this.actions
          .expire(taskId)
          .catch((error: unknown) => this.options.logger.error(`mcp-task-actors: expiring task ${taskId} failed`, error)),
    );
    this.actor.start();
    this.supervisor.actor.on('task.crashed', ({ taskId, error }) => void this.actions.crashed(taskId, error));
    this.link = cluster && new ClusterLink(this.core(), cluster);
    const placement = cluster && options.placement; // none without a cluster: refused by TaskSupport (options.ts)
    this.workerLink =
      placement && placement.role === 'worker'
        ? new WorkerLink({ ...this.core(), jobWork: options.jobWork, closing: this.shutdown.signal }, cluster)
        : undefined;
    this.frontLink =
      placement && placement.role === 'front'
        ? new FrontLink(store, placement, cluster, changed, options.logger, options.release)
        : undefined;
    // ClusterLink.start: a cluster that cannot start surfaces on the first task, not as an unhandled rejection.
    this.clusterReady = this.link?.start() ?? Promise.resolve();
  }

  /** Creates the task record and spawns its actor; resolves with the record as created. */
  async start(spec: TaskSpec): Promise<TaskRecord> {
    this.shutdown.refuseIfBegun();
    // Without a cluster there is nothing to wait for: no await, one microtask less per task.
    if (this.options.cluster) {
      await this.clusterReady;
      this.shutdown.refuseIfBegun();
    }
    const now = Date.now();
    const record = newTaskRecord(spec, this.options, now);
    // Counted before the record exists, so concurrent calls cannot overshoot a limit.
    const { release } = this.options;
    this.options.admit(spec.owner);
    const front = this.frontLink;
    this.shutdown.enter();
    try {
      let stored = false;
      try {
        if (front) await front.reserve(record, spec);
        await this.store.create(record);
        stored = true;
        if (front) await front.dispatch(record, spec);
        else if (this.options.cluster) await this.options.cluster.claim(record.taskId);
      } catch (error) {
        // A dispatch that failed gave its slot back already (FrontLink holds it from the dispatch on).
        if (!stored || !front) release(spec.owner);
        // A failed dispatch settles its task (FrontLink); a failed claim leaves a record no one
        // runs or will ever take over, under an id the caller never gets: forget it.
        throw stored && !front ? await unclaimed(this.actions, this.options.logger, record.taskId, error) : error;
      }
      spec.session.created?.();
      // Dispatched: no actor here; FrontLink holds its slot until the task ends, a worker runs it.
      if (!front) this.run(record.taskId, LiveTask.created(spec, release), now + record.ttl);
      return record;
    } finally {
      this.shutdown.leave();
    }
  }

  /** Worker side of a worker pool: what to do with a tool's jobs. */
  jobHandlers(): JobHandlers {
    if (!this.workerLink) throw new Error('mcp-task-actors: this instance is not a worker of a worker pool');
    return this.workerLink;
  }

  /** The record if `owner` may see it, else -32602 (also past its ttl); `polledBy`: a `tasks/get`'s session (TaskPort `polled`). */
  async get(taskId: string, owner: string, polledBy?: TaskSession): Promise<TaskRecord> {
    const record = await this.store.get(taskId);
    if (!record || record.owner !== owner || isPastTtl(record)) throw taskNotFound(taskId);
    const live = polledBy && this.live.get(taskId);
    if (live && live.spec.session === polledBy) this.work.polled(taskId, live);
    return record;
  }

  /**
   * Calls `listener` with each stored status change of a task run on this instance (terminal ones
   * included; a task run elsewhere is seen through `waitForTerminal`), or undefined when only its
   * waiting input requests changed (read it again); returns the unsubscribe.
   */
  watch(taskId: string, listener: TaskWatcher): () => void {
    return this.watchers.add(taskId, listener);
  }

  /**
   * Forgets a settled task at once (record, outcome, queue) after its actor's last write: for a
   * call answered inline whose task id no client ever saw. Its ttl deadline later finds nothing.
   */
  async dismiss(taskId: string): Promise<void> {
    await this.live.get(taskId)?.ended;
    await this.actions.forget(taskId);
    this.expiry.drop(taskId);
  }

  /**
   * Moves a non-terminal task to `cancelled` (stored before this resolves) and aborts its work.
   * `reason` (default "Cancelled by the client") becomes the status message; `requestor` is the
   * session the cancel came on: when it is the task's own, the answer to it brings the end, and no
   * `cancelled` status notification is pushed.
   */
  async cancel(
    taskId: string,
    owner: string,
    { reason = 'Cancelled by the client', requestor }: { reason?: string; requestor?: TaskSession } = {},
  ): Promise<TaskRecord> {
    // get's checks inline (no poll to tell), createdAt read once for both ttl checks (issue 14).
    const record = await this.store.get(taskId);
    const expires = record?.owner === owner ? isoTime(record.createdAt) + record.ttl : -Infinity;
    if (!record || expires <= Date.now()) throw taskNotFound(taskId);
    if (isTerminal(record.status)) throw mcpError(ErrorCode.InvalidParams, `Cannot cancel task ${taskId}: it is already ${record.status}`);
    const live = this.live.get(taskId);
    if (live) {
      if (requestor === live.spec.session) live.cancelAnswered = true;
      this.supervisor.sendTo(taskId, live.actor, { type: 'cancel', reason });
    }
    const { store, queue, frontLink, options } = this;
    const stored = await (live
      ? withTimeout(live.ended, options.storeTimeout ?? Infinity, () => notStored(taskId))
      : cancelUnrun({ store, queue, cluster: options.cluster, frontLink }, taskId, reason));
    // The end stored answers (its ttl is the one read above); read again only when the store refused
    // this settle or the task is past its ttl now (not found). A user's TaskRecordStore may be remote.
    const end = stored && !(expires <= Date.now()) ? stored : await this.get(taskId, owner);
    if (live && !isTerminal(end.status)) throw notStored(taskId); // its settle given up after a minute
    if (end.status !== 'cancelled') throw mcpError(ErrorCode.InvalidParams, `Cannot cancel task ${taskId}: it is already ${end.status}`);
    return end;
  }

  /** Hands the client's answer to the task actor, as an event (on whichever instance runs it), or to the ask till the actor knows of it. */
  answer(taskId: string, requestId: string, answer: Answer): void {
    const live = this.live.get(taskId);
    if (!live && this.link) return this.link.forward(taskId, requestId, answer);
    const pending = live?.pendingInput(requestId);
    if (!pending)
      return this.options.logger.warn(`mcp-task-actors: dropped an answer to ${requestId}: task ${taskId} is not waiting for it`);
    if (pending.keepEarly && !live!.awaits(requestId)) pending.keepEarly(answer);
    else this.send(taskId, answerEvent(requestId, answer));
  }

  /**
   * Follows a client-side task with an actor of `machines/clientTask.ts`, spawned under the task
   * actor of `taskId` (or the root for a request outside tasks); resolves with its result.
   */
  followClientTask(taskId: string | undefined, follow: ClientTaskFollow): Promise<unknown> {
    const parent = (): AnyActorRef => (taskId === undefined ? undefined : this.taskActor(taskId)) ?? this.actor;
    const { pollInterval: defaultPollInterval, logger } = this.options;
    return followClientTask({ parent, defaultPollInterval, logger, closing: this.shutdown.signal }, follow);
  }

  /** The live actor of `taskId` under the supervisor, if this engine runs it. */
  taskActor(taskId: string): ActorRefFrom<TaskMachine> | undefined {
    return this.supervisor.tasks.get(taskId);
  }

  /** Aborts when `close` begins: ends waits kept outside the engine (a session router's withdrawn cancel). */
  get closing(): AbortSignal {
    return this.shutdown.signal;
  }

  /** Number of task actors alive under the supervisor. */
  get liveActorCount(): number {
    return this.supervisor.tasks.size;
  }

  /** Number of tasks with bookkeeping in this engine (should equal `liveActorCount` at rest). */
  get liveTaskCount(): number {
    return this.live.size;
  }

  /**
   * Stops every actor: running tasks end `failed` with `reason`, stored before this resolves.
   * Afterwards no timer or listener of the engine is left.
   */
  close(reason = 'Server shut down before the task finished'): Promise<void> {
    // Every caller waits for the one close (the first one's reason).
    return (this.closed ??= this.closeOnce(reason));
  }

  private async closeOnce(reason: string): Promise<void> {
    // Begun first: the writes of the tasks ending now see it (StoreWriter gives up on retries).
    const createsDone = this.shutdown.begin(reason);
    this.actor.send({ type: 'close', reason });
    // A create in flight stores its task after this (and run ends it at once): wait for those too.
    await createsDone;
    while (this.live.size > 0) await Promise.all([...this.live.values()].map((live) => live.ended));
    this.expiry.stop();
    this.frontLink?.close();
    await this.frontLink?.drained();
    this.actor.stop();
    await this.options.cluster?.close();
  }

  /** What the cluster glue may use of the engine. */
  private core(): ConstructorParameters<typeof ClusterLink>[0] {
    return {
      store: this.store,
      queue: this.queue,
      logger: this.options.logger,
      options: this.options,
      isLive: (taskId) => this.live.has(taskId),
      liveTask: (taskId) => this.live.get(taskId),
      isClosing: () => this.shutdown.began,
      inFlight: (operation) => this.shutdown.inFlight(operation),
      send: (taskId, event) => this.send(taskId, event),
      answer: (taskId, requestId, answer) => this.answer(taskId, requestId, answer),
      run: (taskId, live, deadline) => this.run(taskId, live, deadline),
      statusReported: (record) => this.frontLink?.status(record),
    };
  }

  /** Registers the task's bookkeeping, schedules its expiry, spawns its actor and begins its work (WorkRunner). */
  private run(taskId: string, live: LiveTask, deadline: number): void {
    this.live.set(taskId, live);
    if (this.shutdown.began) {
      // Stored while closing (engine/Shutdown.ts): no actor, so it ends here, as close ends the others.
      this.actions.settle(taskId, { status: 'failed', shutdown: this.shutdown.reason });
      return;
    }
    this.expiry.schedule(taskId, deadline);
    // Refused (an id that already has an actor): no actor, so no work either.
    live.actor = this.supervisor.spawn(taskId, live.spec.tool ?? live.spec.restart?.tool);
    if (live.actor) this.work.start(taskId, live);
  }

  private send(taskId: string, event: TaskMachineEvent): void {
    // A second ask, or an answer that leaves others waiting, stores no status: watchers are told here.
    const actor = event.type.startsWith('input.') ? this.live.get(taskId)?.actor : undefined;
    const before = actor?.getSnapshot();
    this.supervisor.send(taskId, event);
    if (actor && before && stillWaiting(actor, before)) this.actions.inputsChanged(taskId);
  }
}
