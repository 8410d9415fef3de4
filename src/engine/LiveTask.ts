import type { ActorRefFrom } from 'xstate';
import type { TaskMachine } from '../../machines/task.js';
import { PendingInputs } from './PendingInputs.js';
import type { PendingInput } from './PendingInputs.js';
import type { TaskSpec } from './TaskSpec.js';
import type { TaskRecord } from '../types.js';

export type { PendingInput } from './PendingInputs.js';

const DROPPED_WARNED = 1;
const WORK_SETTLED = 2;
const WORK_ABORTED = 4;
const FINISHED = 8;
const END_ANSWERED = 16;
const CANCEL_ANSWERED = 32;
const QUEUE_UNTOUCHED = 64;
const POLLED = 128;
const OVER = 256;

/** An already settled promise: the first link of every task's write chain. */
export const SETTLED: Promise<void> = Promise.resolve();

/** What {@link LiveTask.ended} gives once the task is gone: no record (the caller reads the store). */
const GONE: Promise<TaskRecord | undefined> = Promise.resolve(undefined);

/**
 * The engine's bookkeeping of one running task, kept small: 100,000 of them may be alive at once.
 * `ended` is made only when something waits for it (a cancel, `close`); most tasks never need it.
 * The work's `signal` is made only when the work reads it (many works never do); aborted before
 * that, it is made already aborted. The map of pending asks is made on the first ask.
 */
export class LiveTask {
  writes: Promise<void> = SETTLED;
  /** Open `tasks/result` calls for this task. */
  attached = 0;
  /**
   * The flags below in one small integer: a boolean field each cost 24 bytes more per live task
   * for four of them (issue 14; bench/heapProfile.ts).
   */
  private flags = 0;
  private controller: AbortController | undefined;
  /**
   * The task's actor, as the supervisor spawned it (TaskEngine.run): a cancel sends to it without a
   * lookup in the supervisor's map of every live actor (SupervisorHandle.sendTo).
   */
  actor: ActorRefFrom<TaskMachine> | undefined = undefined;
  private endedPromise: Promise<TaskRecord | undefined> | undefined;
  private resolveEnded: ((record?: TaskRecord) => void) | undefined;
  private pendingInputs: PendingInputs | undefined;

  constructor(
    /** What the task was started with; without its `run` and `args` once the work started ({@link takeRun}). */
    public spec: TaskSpec,
    /** Gives the task's slot under the live-task limits back (shared by every task: no closure each). */
    private readonly release?: (owner: string) => void,
  ) {}

  /**
   * A task created on this instance: nothing can be queued for it yet, unlike one taken over from
   * another runner or run for a worker pool's front (see {@link queueUntouched}).
   */
  static created(spec: TaskSpec, release?: (owner: string) => void): LiveTask {
    const live = new LiveTask(spec, release);
    live.flag(QUEUE_UNTOUCHED, true);
    return live;
  }

  /**
   * The work to start, once. The task keeps the spec's other fields in an object of its own, not
   * the spec: the spec's `run` closure holds the call's arguments and fields for as long as the
   * task lives, about 0.15 KB per live task that nothing reads again (issue 14; bench/heapProfile.ts).
   */
  takeRun(): TaskSpec['run'] {
    const spec = this.spec;
    // Every key in one order (undefined where absent), so that kept specs share one hidden class.
    this.spec = {
      owner: spec.owner,
      tool: spec.tool,
      ttl: spec.ttl,
      session: spec.session,
      progressToken: spec.progressToken,
      run: alreadyStarted,
      settle: spec.settle,
      restart: spec.restart,
    };
    return spec.run;
  }

  /** Whether the drop of a queued notification was logged already (once per task). */
  get droppedWarned(): boolean {
    return (this.flags & DROPPED_WARNED) !== 0;
  }

  set droppedWarned(value: boolean) {
    this.flag(DROPPED_WARNED, value);
  }

  /** The work returned or threw: an end of the task after that aborts nothing. */
  get workSettled(): boolean {
    return (this.flags & WORK_SETTLED) !== 0;
  }

  set workSettled(value: boolean) {
    this.flag(WORK_SETTLED, value);
  }

  /** A tasks/result answered the task's end: its requestor has it, no status notification needed. */
  get endAnswered(): boolean {
    return (this.flags & END_ANSWERED) !== 0;
  }

  set endAnswered(value: boolean) {
    this.flag(END_ANSWERED, value);
  }

  /**
   * A tasks/cancel from the task's own session is ending it: that call's answer brings the
   * requestor the cancelled task, so a `cancelled` end needs no status notification.
   */
  get cancelAnswered(): boolean {
    return (this.flags & CANCEL_ANSWERED) !== 0;
  }

  set cancelAnswered(value: boolean) {
    this.flag(CANCEL_ANSWERED, value);
  }

  /**
   * Nothing was ever queued for the task's `tasks/result`: it was created here (not taken over
   * from another runner) and its work has not asked or notified yet (EmptyQueues).
   */
  get queueUntouched(): boolean {
    return (this.flags & QUEUE_UNTOUCHED) !== 0;
  }

  set queueUntouched(value: boolean) {
    this.flag(QUEUE_UNTOUCHED, value);
  }

  /**
   * The task's own session asked about it (`tasks/get`): its client has the CreateTaskResult, so an
   * input request pushed on the session's standalone stream now names a task that client knows.
   */
  get polled(): boolean {
    return (this.flags & POLLED) !== 0;
  }

  set polled(value: boolean) {
    this.flag(POLLED, value);
  }

  /**
   * The task's end is decided (settled, expired or its actor crashed): an ask the work makes from
   * now on can never be answered, so it is refused at once instead of waiting forever.
   */
  get over(): boolean {
    return (this.flags & OVER) !== 0;
  }

  set over(value: boolean) {
    this.flag(OVER, value);
  }

  /** The task ended before its work did: the work's signal is (or will be made) aborted. */
  get workAborted(): boolean {
    return (this.flags & WORK_ABORTED) !== 0;
  }

  set workAborted(value: boolean) {
    this.flag(WORK_ABORTED, value);
  }

  private get finished(): boolean {
    return (this.flags & FINISHED) !== 0;
  }

  private flag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }

  /** The work's asks waiting for an answer, by request id; made on first use (most tasks never ask). */
  get inputs(): PendingInputs {
    return (this.pendingInputs ??= new PendingInputs());
  }

  /** The ask waiting for `requestId`, if any (without making the map). */
  pendingInput(requestId: string): PendingInput | undefined {
    return this.pendingInputs?.get(requestId);
  }

  /**
   * Whether the task's actor was told it waits for `requestId` (`input.request`): an answer sent
   * before that is ignored by the actor (TaskEngine.answer keeps it on the ask meanwhile).
   */
  awaits(requestId: string): boolean {
    return this.actor?.getSnapshot().context.waitingFor.includes(requestId) ?? false;
  }

  /** Whether any ask waits, without making the map. */
  get hasInputs(): boolean {
    return this.pendingInputs !== undefined && this.pendingInputs.size > 0;
  }

  /** Aborts on `tasks/cancel`, ttl expiry, shutdown and a crash of the task actor. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.workAborted) this.controller.abort(abortReason());
    }
    return this.controller.signal;
  }

  /** The task ended while its work still runs: abort the work's signal (a no-op once the work settled). */
  abortWork(): void {
    if (this.workSettled || this.workAborted) return;
    this.workAborted = true;
    this.controller?.abort(abortReason());
  }

  /**
   * Resolves once the task's last write is stored and its bookkeeping is gone, with the record its
   * end stored when something was waiting already as the end was stored ({@link storedEnd}), else
   * undefined (read the store then).
   */
  get ended(): Promise<TaskRecord | undefined> {
    if (this.finished) return GONE;
    this.endedPromise ??= new Promise<TaskRecord | undefined>((resolve) => (this.resolveEnded = resolve));
    return this.endedPromise;
  }

  /**
   * The record the task's end stored: handed to whoever waits on {@link ended} (a tasks/cancel
   * answers with it instead of reading the store again). Kept in the waiter's resolver, not in a
   * field: most tasks are never waited on, and a field would cost each of them.
   */
  storedEnd(record: TaskRecord): void {
    const resolve = this.resolveEnded;
    if (resolve) this.resolveEnded = () => resolve(record);
  }

  end(): void {
    if (this.finished) return;
    this.flag(FINISHED, true);
    // A work that ignores its abort may keep its context, and so this, for as long as it runs: not
    // the ended actor with it.
    this.actor = undefined;
    this.release?.(this.spec.owner);
    this.resolveEnded?.();
  }
}

/**
 * What every abort reason of a work inherits: Node's default abort reason (an `AbortError`
 * DOMException with its code), its `name`, `message` and `code` as the prototype's own values, and
 * a `stack` without frames, as the stackless DOMException made here before had (`stack` stays
 * writable: a catch may replace it).
 */
const ABORT_ERROR = Object.create(DOMException.prototype, {
  name: { value: 'AbortError' },
  message: { value: 'This operation was aborted' },
  code: { value: DOMException.ABORT_ERR },
  stack: { value: 'AbortError: This operation was aborted', writable: true, configurable: true },
}) as DOMException;

/**
 * A work's abort reason: an `AbortError` DOMException of its own (`instanceof DOMException` and
 * `Error`, the name, message, code, an empty stack, what `util.inspect` and `JSON.stringify` show),
 * which a catch may annotate without touching another task's. Not made by DOMException's
 * constructor: Node 20's captures a stack and files every instance in a WeakMap, about 1.5 µs and
 * GC work per cancel at 100,000 live tasks even without the stack (issue 14), where this is an
 * object with a prototype. One shared reason for every abort was no option: code that annotates
 * what it caught would change every task's reason.
 */
function abortReason(): DOMException {
  return Object.create(ABORT_ERROR) as DOMException;
}

/** The `run` of a kept spec: its work started already, and runs once. */
function alreadyStarted(): never {
  throw new Error('mcp-task-actors: the work of this task was started already');
}
