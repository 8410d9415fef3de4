import { expect } from 'vitest';
import { McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, JSONRPCMessage, Task } from '@modelcontextprotocol/sdk/types.js';
import { getAdjacencyMap } from '@xstate/graph';
import { initialTransition, transition } from 'xstate';
import { z } from 'zod';
import { taskMachine } from '../../machines/task.js';
import type { TaskMachineEvent } from '../../machines/task.js';
import type { TaskSupport } from '../../src/index.js';
import { ElicitationDesk } from '../support/elicitationDesk.js';
import { connectInMemory, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import type { ScriptedWork } from '../support/scriptedWork.js';
import { track, until } from '../support/until.js';
import type { Settled, Tracked } from '../support/until.js';
import { SHUTDOWN_REASON, leafOf, modelEvents, predict, workEventTypes } from './taskModel.js';
import type { ModelEvent, TaskSnapshot, Thrown } from './taskModel.js';

/** The two client sessions sharing one TaskSupport. */
export type SessionName = 'A' | 'B';
export const SESSIONS: readonly SessionName[] = ['A', 'B'];

const WORK = workEventTypes();

/** The model's view of one task: the task machine's own snapshot is the oracle. */
export interface ModelTask {
  owner: SessionName;
  ttl: number;
  createdAt: number;
  /** The machine snapshot, or `gone` once the ttl elapsed (an expired or deleted task look the same to a client). */
  state: TaskSnapshot | 'gone';
  /**
   * Elicitations the work is waiting for: model request id, protocol key, whether it reached the
   * client, and how many times it must have arrived there at least (it is sent again after every
   * tasks/result call that carried it went away unanswered).
   */
  /** `pushed`: sent on the session's stream (no tasks/result was open), so no dropped tasks/result takes it back. */
  pending: { requestId: string; key: string; delivered: boolean; arrivals: number; pushed: boolean }[];
  /** Unsettled tasks/result calls of the owner (at most one: a newer call takes over). */
  openResults: number;
  /** What ended the task, once terminal. */
  endedBy?: ModelEvent;
  /** The status notifications the owner must have received, as [status, statusMessage]. */
  expected: [string, string | undefined][];
  /** The statusMessage of the last status the machine announced, notified or not. */
  statusMessage?: string | undefined;
}

/** The whole model: a clock (ms since the run began) and the tasks by creation order. */
export interface Model {
  now: number;
  tasks: ModelTask[];
  keys: number;
}

/** One client session with its instrumentation. */
export interface RealSession {
  session: Session;
  desk: ElicitationDesk;
  /** Ids of requests the client sent, and how many replies each got. */
  sent: Set<string | number>;
  /** Ids of requests the client cancelled (a reply may then be left out). */
  cancelled: Set<string | number>;
  replies: Map<string | number, number>;
}

/** The real system's handle on one task. */
export interface RealTask {
  taskId: string;
  work: ScriptedWork;
  results: OpenResultCall[];
}

/** A tasks/result call still open at the client, and the way to drop it. */
export interface OpenResultCall {
  call: Tracked<CallToolResult>;
  drop: AbortController;
}

/** Opens tasks/result on `session` for `taskId`, keeping it droppable. */
export function openResult(real: RealSystem, session: SessionName, taskId: string): OpenResultCall {
  const drop = new AbortController();
  return { call: track(taskResult(real.sessions[session].session.client, taskId, { signal: drop.signal })), drop };
}

/** Whether a model task is still running (has a live actor). */
export function isLive(task: ModelTask): task is ModelTask & { state: TaskSnapshot } {
  return task.state !== 'gone' && task.state.status === 'active';
}

/** The model task after `event`; its expected notifications grow by what the machine predicts. */
export function applyEvent(task: ModelTask, event: ModelEvent): void {
  if (!isLive(task)) throw new Error('event for a task that is not running');
  const prediction = predict(task.state, event);
  const [next] = transition(taskMachine, task.state, event as TaskMachineEvent);
  // The end of a task whose owner has a tasks/result waiting reaches it as that call's answer,
  // not as a notification (TaskActions.settle); so does a cancel, which here only the owner's own
  // session can send: its tasks/cancel answers with the cancelled task.
  const endsAnswered = next.status === 'done' && (task.openResults > 0 || event.type === 'cancel');
  task.expected.push(...prediction.notifications.filter(([status]) => !(endsAnswered && TERMINAL_STATUSES.has(status))));
  if (prediction.notifications.length > 0) task.statusMessage = prediction.notifications.at(-1)![1];
  task.state = next;
  if (next.status === 'done') {
    task.endedBy = event;
    task.pending = [];
    task.openResults = 0;
  }
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** A fresh model task, in the machine's initial state. */
export function newModelTask(owner: SessionName, ttl: number, now: number): ModelTask {
  const [state] = initialTransition(taskMachine);
  return { owner, ttl, createdAt: now, state, pending: [], openResults: 0, expected: [] };
}

/**
 * The status pairs a client may see in a row, computed from the machine's graph: for every
 * concrete transition, (status before, status after). Nothing leaves a terminal status.
 */
export const allowedStatusPairs: ReadonlySet<string> = (() => {
  const pairs = new Set<string>();
  const adjacency = getAdjacencyMap(taskMachine, {
    events: (snapshot) => modelEvents(snapshot as TaskSnapshot) as TaskMachineEvent[],
  }) as unknown as Record<string, { state: unknown; transitions: Record<string, { state: unknown }> }>;
  for (const { state, transitions } of Object.values(adjacency)) {
    for (const { state: next } of Object.values(transitions)) {
      const to = leafOf(next as TaskSnapshot);
      if (to !== 'expired') pairs.add(`${leafOf(state as TaskSnapshot)}→${to}`);
    }
  }
  return pairs;
})();

/** The real system: one TaskSupport, two sessions, a scripted work per task. */
export class RealSystem {
  readonly byIndex: RealTask[] = [];
  private pendingWork: ScriptedWork | undefined;

  private constructor(
    readonly tasks: TaskSupport,
    readonly sessions: Record<SessionName, RealSession>,
    private readonly setNext: (work: ScriptedWork) => void,
  ) {}

  /** Starts everything; fake timers must already be installed. */
  static async start(): Promise<RealSystem> {
    const tasks = testTaskSupport();
    let next: ScriptedWork | undefined;
    const register = (server: Parameters<Parameters<typeof connectInMemory>[1]>[0]) =>
      tasks.registerTool(server, 'scripted', { taskSupport: 'required' }, (args, task) => {
        const work = next;
        next = undefined;
        if (!work) throw new Error('no scripted work prepared for this call');
        return work.run(args, task);
      });
    const sessions = {} as Record<SessionName, RealSession>;
    for (const name of SESSIONS) sessions[name] = instrument(await connectInMemory(tasks, register));
    return new RealSystem(tasks, sessions, (work) => (next = work));
  }

  /** Prepares the work the next tools/call runs. */
  prepare(work: ScriptedWork): void {
    this.setNext(work);
  }

  /** The status notifications `session` received for `taskId`. */
  seen(session: SessionName, taskId: string): [string, string | undefined][] {
    return this.sessions[session].session.notifications
      .filter((n) => n.method === 'notifications/tasks/status' && (n.params as Task).taskId === taskId)
      .map((n) => [(n.params as Task).status, (n.params as Task).statusMessage]);
  }

  async close(): Promise<void> {
    for (const name of SESSIONS) {
      this.sessions[name].desk.releaseAll();
      await this.sessions[name].session.close();
    }
    await this.tasks.close();
  }
}

/** Counts the client's requests and the replies to each, on the wire. */
function instrument(session: Session): RealSession {
  const real: RealSession = {
    session,
    desk: new ElicitationDesk(session.client),
    sent: new Set(),
    cancelled: new Set(),
    replies: new Map(),
  };
  const transport = session.client.transport!;
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage, options) => {
    if ('method' in message && 'id' in message) real.sent.add(message.id);
    if ('method' in message && message.method === 'notifications/cancelled') {
      real.cancelled.add((message.params as { requestId: string | number }).requestId);
    }
    return send(message, options);
  };
  const receive = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    if (!('method' in message) && 'id' in message && message.id !== undefined) {
      real.replies.set(message.id, (real.replies.get(message.id) ?? 0) + 1);
    }
    receive(message, extra);
  };
  return real;
}

/** The JSON-RPC error code a request rejected with. */
export function codeOf(error: unknown): number | undefined {
  return error instanceof McpError ? error.code : undefined;
}

/** Sends a request and returns how it ended (never throws). */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return track(promise).done;
}

/** The text a task's work returns, so outcomes cannot be mixed up between tasks. */
export function resultOf(index: number): CallToolResult {
  return { content: [{ type: 'text', text: `task ${index} done` }] };
}

/** Checks a tasks/result outcome against the model: the final outcome, whatever call carried it. */
export function expectFinalOutcome(settled: Settled<CallToolResult>, task: ModelTask, index: number, taskId: string): void {
  if (task.state === 'gone') {
    expect(codeOf((settled as { error?: unknown }).error), `tasks/result of gone task ${index}`).toBe(-32602);
    return;
  }
  const leaf = leafOf(task.state);
  const related = { [RELATED_TASK_META_KEY]: { taskId } };
  const ended = task.endedBy!;
  if (leaf === 'completed') {
    expect(settled).toEqual({ ok: true, value: { ...resultOf(index), _meta: related } });
  } else if (leaf === 'cancelled') {
    expect(codeOf((settled as { error?: unknown }).error)).toBe(-32603);
  } else if (leaf === 'failed' && ended.type === 'shutdown') {
    const error = (settled as { error?: unknown }).error;
    expect(codeOf(error)).toBe(-32603);
    expect((error as Error).message).toContain(SHUTDOWN_REASON);
  } else if (leaf === 'failed' && ended.type === WORK.error) {
    const thrown = (ended as { error: Thrown }).error;
    if (thrown.kind === 'error') {
      expect(settled).toEqual({ ok: true, value: { content: [{ type: 'text', text: thrown.message }], isError: true, _meta: related } });
    } else {
      expect(codeOf((settled as { error?: unknown }).error)).toBe(thrown.code);
    }
  } else {
    throw new Error(`no outcome rule for ${leaf} via ${ended.type}`);
  }
}

/**
 * The invariants that hold after every command:
 * - each task's notifications are exactly what the machine predicted, only in its owner's session,
 *   every consecutive pair is an allowed transition, and nothing follows a terminal status;
 * - elicitations reach only the owner's client;
 * - no request got more than one reply;
 * - the live task actors are exactly the model's running tasks.
 */
export async function checkInvariants(model: Model, real: RealSystem): Promise<void> {
  const ownerOf = new Map(real.byIndex.map((t, i) => [t.taskId, model.tasks[i]!.owner]));
  for (const [index, task] of model.tasks.entries()) {
    const { taskId } = real.byIndex[index]!;
    await until(() => real.seen(task.owner, taskId).length >= task.expected.length, `notifications of task ${index}`);
    const seen = real.seen(task.owner, taskId);
    expect(seen, `status notifications of task ${index}`).toEqual(task.expected);
    const statuses = ['working', ...seen.map(([status]) => status)];
    for (let i = 1; i < statuses.length; i++) {
      expect(allowedStatusPairs.has(`${statuses[i - 1]}→${statuses[i]}`), `task ${index}: ${statuses[i - 1]} → ${statuses[i]}`).toBe(true);
    }
    const other: SessionName = task.owner === 'A' ? 'B' : 'A';
    expect(real.seen(other, taskId), `task ${index} is invisible to session ${other}`).toEqual([]);
  }
  for (const name of SESSIONS) {
    const { desk, replies } = real.sessions[name];
    for (const received of desk.received) expect(ownerOf.get(received.taskId ?? ''), `elicitation in session ${name}`).toBe(name);
    for (const [id, count] of replies) expect(count, `replies to request ${String(id)} in session ${name}`).toBe(1);
  }
  const live = model.tasks.filter(isLive).length;
  await until(() => real.tasks.liveTaskActors === live, `${live} live task actors`);
}

/** A permissive schema for raw requests whose reply the test inspects itself. */
export const anyResult = z.unknown();
