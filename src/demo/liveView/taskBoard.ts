import type { AnyEventObject, InspectionEvent, Observer, Snapshot } from 'xstate';
import { taskMachine } from '../../../machines/task.js';

/** One state change of a task, as the live view lists it. */
export interface TaskStep {
  /** The state's key, e.g. `input_required`. */
  state: string;
  /** When the actor entered it (ms since the epoch). */
  at: number;
  /** The event that moved it there (`start` for the first state). */
  event: string;
}

/** What the live view knows about one task, all of it from the (sanitised) inspection stream. */
export interface TaskView {
  taskId: string;
  /** The tool the task runs, from its `task.start` event; undefined if the stream did not show it. */
  tool: string | undefined;
  /** XState id of the current leaf state, e.g. `task.running.working` (matches the diagram). */
  stateId: string;
  /** Its key, e.g. `working`: the task's status. */
  state: string;
  /** The latest status text: the work's `task.status(...)`, "Waiting for input", a cancel reason. */
  message: string | undefined;
  /**
   * Why a failed task failed, as the inspection sanitiser let it through: by default only the
   * error's class and size (e.g. `TypeError, message of 23 characters hidden`), never its text.
   */
  error: string | undefined;
  /** False once the actor reached a final state. */
  live: boolean;
  startedAt: number;
  updatedAt: number;
  endedAt: number | undefined;
  /** State changes, oldest first (past `maxHistory`, the newest replaces the previous newest). */
  history: TaskStep[];
}

/** A change the board reports to its listeners. */
export type BoardChange = { type: 'task'; task: TaskView } | { type: 'removed'; taskId: string };

/** Options of {@link TaskBoard}. */
export interface TaskBoardOptions {
  /** Finished tasks kept on the board (the oldest go first). Default 200. */
  keepFinished?: number;
  /** State changes kept per task. Default 50. */
  maxHistory?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** `task.start` tool names kept while their actors have not registered yet. */
const PENDING_TOOLS = 1_000;

/** What a task actor that threw sends its parent (the supervisor), followed by its id. */
const CRASH_PREFIX = 'xstate.error.actor.';

/** States a task never leaves; their counts are totals since the board started. */
const FINAL_STATES = new Set(
  Object.entries(taskMachine.root.states)
    .filter(([, node]) => node.type === 'final')
    .map(([key]) => key),
);

/**
 * The live view's model: every live task and the most recent finished ones, built only from
 * inspection events (the root actor's observer), so it shows exactly what an inspector sees.
 * Each event costs O(1): a map lookup, and for a task's snapshot an update of that task.
 */
export class TaskBoard {
  /** Pass this (possibly next to other observers) to `TaskSupport`'s `inspect` option. */
  readonly observer: Observer<InspectionEvent>;
  private readonly live = new Map<string, TaskView>();
  private readonly finished = new Map<string, TaskView>();
  /** Task actors by session id, so non-task actors cost one failed lookup. */
  private readonly actors = new Map<string, TaskView>();
  private readonly sessionIds = new WeakMap<TaskView, string>();
  /** Tool names seen on `task.start`, until the task's actor registers (bounded: see PENDING_TOOLS). */
  private readonly pendingTools = new Map<string, string>();
  private readonly stateCounts = new Map<string, number>();
  private readonly listeners = new Set<(change: BoardChange) => void>();
  private readonly keepFinished: number;
  private readonly maxHistory: number;
  private readonly now: () => number;

  constructor(options: TaskBoardOptions = {}) {
    this.keepFinished = options.keepFinished ?? 200;
    this.maxHistory = options.maxHistory ?? 50;
    this.now = options.now ?? Date.now;
    this.observer = { next: (event) => this.take(event) };
  }

  /** Live tasks (newest first), then finished ones (most recently ended first); at most `limit`. */
  tasks(limit = Infinity): TaskView[] {
    const out: TaskView[] = [];
    const live = [...this.live.values()].reverse();
    const finished = [...this.finished.values()].reverse();
    for (const task of [...live, ...finished]) {
      if (out.length >= limit) break;
      out.push(task);
    }
    return out;
  }

  /** Tasks per state: live ones right now for running states, totals since start for final ones. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.stateCounts);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (change: BoardChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private take(event: InspectionEvent): void {
    if (event.type === '@xstate.event') {
      const sent = event.event as { type: string; taskId?: unknown; tool?: unknown };
      if (sent.type === 'task.start' && typeof sent.taskId === 'string' && typeof sent.tool === 'string') {
        // A start refused by the supervisor never registers: keep the map from growing without bound.
        if (this.pendingTools.size >= PENDING_TOOLS) this.pendingTools.delete(this.pendingTools.keys().next().value as string);
        this.pendingTools.set(sent.taskId, sent.tool);
      } else if (sent.type.startsWith(CRASH_PREFIX)) {
        this.crashed(event.sourceRef, event.event);
      }
      return;
    }
    if (event.type === '@xstate.actor') {
      if (isTaskActor(event.actorRef)) this.register(event.actorRef);
      return;
    }
    if (event.type !== '@xstate.snapshot') return;
    const task = this.actors.get(event.actorRef.sessionId);
    if (task) this.update(task, event.snapshot, event.event);
  }

  private register(actorRef: InspectionEvent['actorRef']): void {
    const at = this.now();
    const taskId = (actorRef as { id?: string }).id ?? actorRef.sessionId;
    const tool = this.pendingTools.get(taskId);
    this.pendingTools.delete(taskId);
    const task: TaskView = {
      taskId,
      tool,
      stateId: '',
      state: '',
      message: undefined,
      error: undefined,
      live: true,
      startedAt: at,
      updatedAt: at,
      endedAt: undefined,
      history: [],
    };
    this.actors.set(actorRef.sessionId, task);
    this.sessionIds.set(task, actorRef.sessionId);
    this.live.set(taskId, task);
  }

  private update(task: TaskView, snapshot: Snapshot<unknown>, event: AnyEventObject): void {
    const at = this.now();
    if (isWorkError(event.type)) task.error = describeError(event['error']);
    this.enter(task, statePath((snapshot as { value?: unknown }).value), event.type, at);
    task.message = messageAfter(task, event);
    task.updatedAt = at;
    if (snapshot.status !== 'active') this.finish(task, at);
    this.emit({ type: 'task', task });
  }

  /**
   * A task actor threw: XState stops it without a last snapshot, and tells only its parent (an
   * `xstate.error.actor.<id>` event from it). The engine fails its task; the board does too, or the
   * task would stay live and counted on it forever.
   */
  private crashed(sourceRef: InspectionEvent['actorRef'] | undefined, event: AnyEventObject): void {
    const task = sourceRef && this.actors.get(sourceRef.sessionId);
    if (!task) return;
    const at = this.now();
    task.error = describeError(event['error']);
    this.enter(task, ['failed'], 'crashed', at);
    task.message = 'Internal error in the task actor';
    task.updatedAt = at;
    this.finish(task, at);
    this.emit({ type: 'task', task });
  }

  /** Moves `task` to the leaf state at the end of `path`, caused by an event of type `cause`. */
  private enter(task: TaskView, path: readonly string[], cause: string, at: number): void {
    const state = path[path.length - 1];
    if (state === undefined || state === task.state) return;
    if (task.state !== '' && !FINAL_STATES.has(task.state)) this.count(task.state, -1);
    this.count(state, +1);
    const step = { state, at, event: cause === 'xstate.init' ? 'start' : eventName(cause) };
    if (task.history.length >= this.maxHistory) task.history.splice(this.maxHistory - 1, 1);
    task.history.push(step);
    task.state = state;
    task.stateId = [taskMachine.id, ...path].join('.');
  }

  private finish(task: TaskView, at: number): void {
    const sessionId = this.sessionIds.get(task);
    if (sessionId !== undefined) this.actors.delete(sessionId);
    task.live = false;
    task.endedAt = at;
    this.live.delete(task.taskId);
    this.finished.set(task.taskId, task);
    while (this.finished.size > this.keepFinished) {
      const oldest = this.finished.keys().next().value as string;
      this.finished.delete(oldest);
      this.emit({ type: 'removed', taskId: oldest });
    }
  }

  private count(state: string, delta: number): void {
    this.stateCounts.set(state, (this.stateCounts.get(state) ?? 0) + delta);
  }

  private emit(change: BoardChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function isTaskActor(actorRef: InspectionEvent['actorRef']): boolean {
  return (actorRef as { logic?: { id?: unknown } }).logic?.id === taskMachine.id;
}

/** `{ running: 'working' }` → `['running', 'working']`. */
function statePath(value: unknown): string[] {
  const path: string[] = [];
  let current = value;
  while (current !== undefined && current !== null) {
    if (typeof current === 'string') {
      path.push(current);
      break;
    }
    const [key] = Object.keys(current as object);
    if (key === undefined) break;
    path.push(key);
    current = (current as Record<string, unknown>)[key];
  }
  return path;
}

/**
 * Status texts longer than this are shown cut, with `…`: a tool may copy client input into its
 * status, and the board keeps every live task's text and the last finished ones' for the page.
 */
export const MAX_MESSAGE = 500;

/** `text` cut to {@link MAX_MESSAGE} characters, never inside a surrogate pair. */
function clip(text: string): string {
  if (text.length <= MAX_MESSAGE) return text;
  const code = text.charCodeAt(MAX_MESSAGE - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? MAX_MESSAGE - 1 : MAX_MESSAGE;
  return `${text.slice(0, end)}…`;
}

/** The task's status text after `event`, mirroring what the task machine announces. */
function messageAfter(task: TaskView, event: AnyEventObject): string | undefined {
  switch (event.type) {
    case 'work.status':
      return typeof event['message'] === 'string' ? clip(event['message']) : task.message;
    case 'input.request':
      return 'Waiting for input';
    case 'input.response':
    case 'input.error':
      return task.state === 'working' ? undefined : task.message;
    case 'cancel':
      return typeof event['reason'] === 'string' ? clip(event['reason']) : 'Cancelled';
    case 'shutdown':
      return typeof event['reason'] === 'string' ? clip(event['reason']) : 'Shut down';
    case 'expire':
      return 'Expired (ttl reached)';
    default:
      // Like the stored record: a completed task has no status text; a failed one's error is in `error`.
      if (isWorkDone(event.type)) return undefined;
      if (isWorkError(event.type)) return 'The work threw';
      return task.message;
  }
}

/** The work's completion, as an invoked actor's done event or as the engine's `work.done`. */
function isWorkDone(type: string): boolean {
  return type === 'work.done' || type.startsWith('xstate.done.actor.');
}

function isWorkError(type: string): boolean {
  return type === 'work.error' || type.startsWith('xstate.error.actor.');
}

/** The work's completion reads as on the diagram. */
function eventName(type: string): string {
  if (isWorkDone(type)) return 'work done';
  if (isWorkError(type)) return 'work error';
  return type;
}

/**
 * The failed task's error as the sanitiser passed it: its own text (cut at {@link MAX_MESSAGE})
 * when a custom sanitiser lets it through, else the default redaction (`[redacted
 * TypeError(message: string(23)), 2 bytes]`) read as `TypeError, message of 23 characters hidden`.
 */
export function describeError(error: unknown): string {
  if (typeof error === 'string') {
    const redacted = /^\[redacted (\w+)\(message: string\((\d+)\)\)/.exec(error);
    if (redacted) return `${redacted[1]}, message of ${redacted[2]} characters hidden`;
    return error.startsWith('[redacted ') ? 'error details hidden by the inspection sanitiser' : clip(error);
  }
  // Cut as a status text is: a sanitiser that lets the text through lets through whatever client
  // input the work's error quotes, and the board keeps it for every finished task it shows.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return clip((error as { message: string }).message);
  }
  return 'unknown error';
}
