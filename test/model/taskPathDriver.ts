import { expect, vi } from 'vitest';
import {
  CancelTaskResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
  McpError,
  RELATED_TASK_META_KEY,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { TaskSupport } from '../../src/index.js';
import { ElicitationDesk } from '../support/elicitationDesk.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ScriptedWork } from '../support/scriptedWork.js';
import { drain, track, until } from '../support/until.js';
import type { Settled, Tracked } from '../support/until.js';
import { edgeKey } from './coverage.js';
import { CANCEL_REASON, MODEL_RESULT, SHUTDOWN_REASON, leafOf, predict, workEventTypes } from './taskModel.js';
import type { ModelEvent, TaskSnapshot, Thrown, WorkErrorEvent } from './taskModel.js';

/** ttl every path's task gets; only the `expire` step moves the (fake) clock, by exactly this much. */
export const PATH_TTL = 1000;

/**
 * Which leaf states are final, written from the spec (2025-11-25: completed, failed and cancelled
 * are terminal; `expired` is the task's deletion) rather than read from the machine, so a machine
 * that forgets `type: 'final'` on one of them disagrees with this table and fails the paths.
 */
export const FINAL_BY_SPEC: Readonly<Record<string, boolean>> = {
  working: false,
  input_required: false,
  completed: true,
  failed: true,
  cancelled: true,
  expired: true,
};

/** Whether the spec says a task in leaf state `leaf` never moves again (throws on a leaf the table lacks). */
export function isFinalBySpec(leaf: string): boolean {
  const final = FINAL_BY_SPEC[leaf];
  if (final === undefined) throw new Error(`FINAL_BY_SPEC has no entry for leaf state '${leaf}'`);
  return final;
}

const WORK = workEventTypes();

/** Readable event names in edge keys (the invoke's done/error events as work.done / work.throw). */
export function edgeLabel(eventType: string): string {
  if (eventType === WORK.done) return 'work.done';
  if (eventType === WORK.error) return 'work.throw';
  return eventType;
}

/** JSON-RPC code of an error a request rejected with. */
function codeOf(error: unknown): number | undefined {
  return error instanceof McpError ? error.code : undefined;
}

/**
 * Executes one generated path end to end: a real SDK Client drives a real McpServer that uses
 * TaskSupport, over the SDK's in-memory transport. Each model event becomes the protocol action
 * that causes it, and after each step the client's view (tasks/get, tasks/result, the status
 * notifications it received) is compared with what the machine itself predicts.
 */
export class TaskPathRun {
  private readonly expected: [string, string | undefined][] = [];
  private readonly keys = new Map<string, string>();
  private keyCount = 0;
  private closed = false;
  private taskIdValue: string | undefined;
  /** The real task actor, taken from the actor system (its systemId is the task id) when the task is created. */
  private taskActor: AnyActorRef | undefined;
  private readonly answeredKeys = new Set<string>();
  /** The open `tasks/result` call made right after creation: it carries the elicitations. */
  private firstResult: Tracked<CallToolResult> | undefined;

  private constructor(
    private readonly microsteps: readonly { actorId: string; edges: string[] }[],
    readonly tasks: TaskSupport,
    readonly session: Session,
    readonly desk: ElicitationDesk,
    readonly work: ScriptedWork,
  ) {}

  /** A fresh TaskSupport, server and client for one path. Fake timers must already be installed. */
  static async start(): Promise<TaskPathRun> {
    const tasks = testTaskSupport();
    const microsteps: { actorId: string; edges: string[] }[] = [];
    // Straight from the actor system (not TaskSupport's sanitised `inspect` option): the raw
    // transitions every task actor takes.
    tasks.actor.system.inspect((event: InspectionEvent) => {
      if (event.type !== '@xstate.microstep') return;
      microsteps.push({
        actorId: (event.actorRef as { id?: string }).id ?? '',
        edges: event._transitions.map((t) => edgeKey(t, edgeLabel)),
      });
    });
    const work = new ScriptedWork();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'scripted', { taskSupport: 'required', description: 'driven by the model' }, work.run);
    });
    return new TaskPathRun(microsteps, tasks, session, new ElicitationDesk(session.client), work);
  }

  get taskId(): string {
    if (this.taskIdValue === undefined) throw new Error('no task yet');
    return this.taskIdValue;
  }

  /** The status notifications the client received for the task, as [status, statusMessage]. */
  seen(): [string, string | undefined][] {
    return this.session.notifications
      .filter((n) => n.method === 'notifications/tasks/status' && (n.params as Task).taskId === this.taskIdValue)
      .map((n) => [(n.params as Task).status, (n.params as Task).statusMessage]);
  }

  /** The `xstate.init` step: a task-augmented tools/call, then the client's first look. */
  async create(initial: TaskSnapshot): Promise<void> {
    const task = await createTask(this.session.client, 'scripted', {}, PATH_TTL);
    this.taskIdValue = task.taskId;
    // Held here: the system forgets the actor once it is done, and the final steps must read it then.
    this.taskActor = this.tasks.actor.system.get(task.taskId);
    expect(this.taskActor, 'the task actor is registered in the system under the task id').toBeDefined();
    expect(task.status).toBe(leafOf(initial));
    expect(task.ttl).toBe(PATH_TTL);
    await this.work.started.promise;
    this.firstResult = track(taskResult(this.session.client, task.taskId));
    await this.checkState(initial);
  }

  /** Performs `event` through the protocol and checks that the client sees `after`. */
  async step(before: TaskSnapshot, event: ModelEvent, after: TaskSnapshot): Promise<void> {
    const prediction = predict(before, event);
    await this.perform(event);
    this.expected.push(...prediction.notifications);
    await until(() => this.seen().length >= this.expected.length, `${this.expected.length} status notifications`);
    expect(this.seen()).toEqual(this.expected);
    for (const { requestId, ok } of prediction.answered) {
      const key = this.keyOf(requestId);
      this.answeredKeys.add(key);
      const elicitation = this.work.elicitations.get(key)!;
      await until(() => elicitation.settled !== undefined, `the work's elicitation ${requestId} to settle`);
      this.expectAnswer(requestId, elicitation.settled!, ok);
    }
    await this.checkState(after);
    const final = isFinalBySpec(leafOf(after));
    expect(after.status, `the machine's own ${leafOf(after)} state is ${final ? '' : 'not '}final`).toBe(final ? 'done' : 'active');
    expect(this.taskActor!.getSnapshot().status, `the real task actor in ${leafOf(after)}`).toBe(final ? 'done' : 'active');
    if (final) await this.checkEnd(event, after);
  }

  /** After the last step: nothing more arrives late, and the actor took exactly the model's edges. */
  async finish(modelEdges: readonly string[]): Promise<void> {
    await drain();
    expect(this.seen(), 'no status notification after the path ended').toEqual(this.expected);
    expect(this.takenAtRuntime(), 'transitions the real task actor took').toEqual(modelEdges);
  }

  /** Edge keys the real task actor took, in order (from XState's `@xstate.microstep` inspection). */
  takenAtRuntime(): string[] {
    return this.microsteps.filter((m) => m.actorId === this.taskIdValue).flatMap((m) => m.edges);
  }

  /** Releases the client's parked handlers and closes everything this run opened. */
  async dispose(): Promise<void> {
    this.desk.releaseAll();
    await this.session.close();
    if (!this.closed) await this.tasks.close();
  }

  private keyOf(requestId: string): string {
    const key = this.keys.get(requestId);
    if (key === undefined) throw new Error(`no elicitation for ${requestId}`);
    return key;
  }

  /** The protocol action for each model event. */
  private async perform(event: ModelEvent): Promise<void> {
    const { client } = this.session;
    switch (event.type) {
      case 'work.status':
        return this.work.do({ kind: 'status', message: event.message });
      case 'input.request': {
        // A model id (q1) can come back after being answered; each elicitation gets its own key.
        const key = `${event.requestId}.${++this.keyCount}`;
        this.keys.set(event.requestId, key);
        await this.work.do({ kind: 'elicit', key });
        await until(() => this.desk.has(key), `elicitation ${key} to reach the client through tasks/result`);
        const received = this.desk.received.find((r) => r.key === key)!;
        expect(received.taskId, 'related-task _meta on the elicitation').toBe(this.taskId);
        return;
      }
      case 'input.response':
        return this.desk.accept(this.keyOf(event.requestId), { answer: event.requestId });
      case 'input.error':
        return this.desk.fail(this.keyOf(event.requestId), -32001, `declined ${event.requestId}`);
      case 'cancel': {
        const reply = await client.request({ method: 'tasks/cancel', params: { taskId: this.taskId } }, CancelTaskResultSchema);
        expect(reply.status, 'tasks/cancel answers with the task already cancelled').toBe('cancelled');
        expect(reply.statusMessage).toBe(event.reason ?? CANCEL_REASON);
        return;
      }
      case 'shutdown':
        this.closed = true;
        return this.tasks.close();
      case 'expire':
        await vi.advanceTimersByTimeAsync(PATH_TTL);
        return;
      default:
        if (event.type === WORK.done) return this.work.do({ kind: 'return', result: MODEL_RESULT });
        if (event.type === WORK.error) return this.work.do({ kind: 'throw', error: toThrowable((event as WorkErrorEvent).error) });
        throw new Error(`no protocol action for model event ${(event as ModelEvent).type}`);
    }
  }

  private expectAnswer(requestId: string, settled: Settled<unknown>, ok: boolean): void {
    if (ok) {
      expect(settled).toEqual({ ok: true, value: { action: 'accept', content: { answer: requestId } } });
    } else {
      expect(settled.ok).toBe(false);
      expect(codeOf((settled as { error: unknown }).error)).toBe(-32001);
    }
  }

  /** The client's view of one state: tasks/get (and tasks/list) agree with the model and with the notifications. */
  private async checkState(state: TaskSnapshot): Promise<void> {
    const { client } = this.session;
    const leaf = leafOf(state);
    if (leaf === 'expired') {
      const gone = await client.request({ method: 'tasks/get', params: { taskId: this.taskId } }, GetTaskResultSchema).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(codeOf(gone), 'tasks/get of an expired task').toBe(-32602);
      const list = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
      expect(list.tasks.map((t) => t.taskId)).not.toContain(this.taskId);
      return;
    }
    const task = await client.request({ method: 'tasks/get', params: { taskId: this.taskId } }, GetTaskResultSchema);
    expect(task.status, 'tasks/get status').toBe(leaf);
    const last = this.expected.at(-1);
    expect(task.statusMessage, 'tasks/get statusMessage matches the last status notification').toBe(last?.[1]);
    const list = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    expect(list.tasks.find((t) => t.taskId === this.taskId)?.status, 'tasks/list status').toBe(leaf);
  }

  /** At a final state: the outcome, a second tasks/result, the work's end, and no actor left. */
  private async checkEnd(event: ModelEvent, state: TaskSnapshot): Promise<void> {
    const first = this.firstResult!;
    await until(() => first.settled !== undefined, 'the open tasks/result to answer');
    expectOutcome(first.settled!, leafOf(state), event, this.taskId);
    const again = await track(taskResult(this.session.client, this.taskId)).done;
    expectOutcome(again, leafOf(state), event, this.taskId);

    const end = await this.work.ended.promise;
    const ending = event.type === WORK.done ? 'returned' : event.type === WORK.error ? 'threw' : 'aborted';
    expect(end.kind, 'how the work function ended').toBe(ending);
    for (const [key, elicitation] of this.work.elicitations) {
      if (this.answeredKeys.has(key)) continue;
      await until(() => elicitation.settled !== undefined, `unanswered elicitation ${key} to end with the task`);
      expect(elicitation.settled!.ok, `unanswered elicitation ${key} rejects once the task ended`).toBe(false);
    }
    await until(() => this.tasks.liveTaskActors === 0, 'no task actor left alive');
  }
}

function toThrowable(thrown: Thrown): Error {
  return thrown.kind === 'error' ? new Error(thrown.message) : new McpError(thrown.code, thrown.message);
}

/** What the client must get from tasks/result for a task that ended in `leaf` through `event`. */
function expectOutcome(settled: Settled<CallToolResult>, leaf: string, event: ModelEvent, taskId: string): void {
  const related = { [RELATED_TASK_META_KEY]: { taskId } };
  switch (leaf) {
    case 'completed':
      expect(settled).toEqual({ ok: true, value: { ...MODEL_RESULT, _meta: related } });
      return;
    case 'expired':
      expect(settled.ok).toBe(false);
      expect(codeOf((settled as { error: unknown }).error), 'tasks/result of an expired task').toBe(-32602);
      return;
    case 'cancelled': {
      expect(settled.ok).toBe(false);
      const error = (settled as { error: unknown }).error as McpError;
      expect(error.code).toBe(-32603);
      expect(error.message).toContain('cancelled');
      expect(error.data).toMatchObject({ taskId, status: 'cancelled' });
      return;
    }
    case 'failed': {
      if (event.type === 'shutdown') {
        expect(settled.ok).toBe(false);
        const error = (settled as { error: unknown }).error as McpError;
        expect(error.code).toBe(-32603);
        expect(error.message).toContain(SHUTDOWN_REASON);
        return;
      }
      const thrown = (event as WorkErrorEvent).error;
      if (thrown.kind === 'error') {
        expect(settled).toEqual({
          ok: true,
          value: { content: [{ type: 'text', text: thrown.message }], isError: true, _meta: related },
        });
      } else {
        expect(settled.ok).toBe(false);
        const error = (settled as { error: unknown }).error as McpError;
        expect(error.code).toBe(thrown.code);
        expect(error.message).toContain(thrown.message);
      }
      return;
    }
    default:
      throw new Error(`no outcome mapping for final state ${leaf}`);
  }
}
