import type { CallToolResult, ClientCapabilities, ProgressToken, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedRequest } from '../backends/TaskMessageQueue.js';
import type { TaskRecord } from '../types.js';
import type { ClientChannel } from './ClientTasks.js';
import type { TaskContext } from './TaskContext.js';

/** The session a task was created in: how the task reaches its client outside `tasks/result`. */
export interface TaskSession {
  /** The client's declared capabilities (checked before any input request is sent). */
  clientCapabilities(): ClientCapabilities | undefined;
  /** Sends a notification on the session's standalone stream; resolves false when it is gone. */
  notify(notification: ServerNotification): Promise<boolean>;
  /**
   * Sends a task's input request on the session's standalone stream and routes the client's answer
   * back to the task; resolves false when it could not be sent (then it was not delivered). Absent
   * where input is never pushed outside a response (the tasks extension: `tasks/get` shows it).
   */
  request?(taskId: string, request: QueuedRequest): Promise<boolean>;
  /**
   * Whether a push on the standalone stream can reach the client before the answer to the call
   * that created the task (Streamable HTTP: the GET stream and the POST's answer are separate
   * streams, read in either order). Then a task's first push waits until its session asks about
   * the task (`tasks/get`): a requester drops an input request that names a task it does not know yet.
   */
  reorders?(): boolean;
  /** Follows the client's own tasks (task-augmented requests); absent where the session cannot send plain requests to the client. */
  client?: ClientChannel;
  /** The task's stored status changed (each protocol tells its client in its own words, or not at all). */
  statusChanged(record: TaskRecord): Promise<void>;
  /**
   * The task's outstanding input requests changed with no status change (a second ask while
   * `input_required`, or an answer that leaves others waiting), once stored. A worker pool's worker
   * reports it to the front, whose task subscriptions then read the task again; absent elsewhere
   * (the watchers on the instance running the task are told by the engine).
   */
  inputsChanged?(): Promise<void>;
  /**
   * The task of a call on this session is stored and its work begins now, before the call's answer
   * (the CreateTaskResult) goes out a few microtasks later: the session holds what it sends until
   * then, so that nothing naming the task reaches the client before the task itself.
   */
  created?(): void;
  /** While the session holds its sends (see `created`): resolves once they go out again. */
  held?(): Promise<void> | undefined;
  /**
   * The task no longer waits for these requests (it ended, or an answer reached it another way):
   * the session stops tracking them. A late answer to one is then an answer to an unknown id.
   */
  forget?(requestIds: readonly string[]): void;
}

/** What starting a task needs. */
export interface TaskSpec {
  owner: string;
  /** The tool's name: observers see it on the `task.start` event (the live view lists it per task). */
  tool?: string;
  /**
   * The client's arguments, valid for the tool: what a worker pool's job carries (see `TaskPlacement`).
   * Not the parsed ones: the worker parses them with its own schema, which may transform them.
   */
  args?: unknown;
  /** Requested ttl in ms (capped by the engine's maximum). */
  ttl?: number;
  session: TaskSession;
  progressToken?: ProgressToken;
  /** The work; its result completes the task, its throw fails it. */
  run: (task: RunContext) => Promise<CallToolResult> | CallToolResult;
  /**
   * Applied by the engine to what `run` returned or threw before the task actor sees it (a tool's
   * safeguards and output check); absent, `run`'s outcome is taken as it is.
   */
  settle?: WorkSettle;
  /** Set for tools registered as restartable: what another instance needs to run the task again. */
  restart?: TaskRecord['restart'];
}

/**
 * What a task ends with, decided from its work's outcome. The engine calls it in the one `then`
 * it attaches to the work's promise: a second `then` inside `run` (as `WorkSafeguards.runTask`
 * has) cost a promise, a reaction and two closures more per live task, about 0.25 KB (issue 14).
 */
export interface WorkSettle {
  /** The result the task completes with; throws what the task fails with instead (not mapped again). */
  result(result: CallToolResult, taskId: string): CallToolResult;
  /** What the task fails with when its work threw `error`; never throws. */
  error(error: unknown, taskId: string): unknown;
}

/**
 * The context a run of a work gets from the engine (workContext.ts's WorkContext): the work's
 * `task`, plus what the safeguards and the call set on it in place, without wrappers.
 */
export interface RunContext extends TaskContext {
  /** Refuses `elicit`/`createMessage` beyond `max` waiting at once. */
  capInputs(max: number): RunContext;
  /** Sets the `tools/call`'s fields on the context. */
  addFields(fields: Pick<TaskContext, 'requestId' | 'sessionId' | 'authInfo' | '_meta'>): RunContext;
}
