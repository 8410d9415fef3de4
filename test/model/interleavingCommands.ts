import { expect, vi } from 'vitest';
import fc from 'fast-check';
import { CancelTaskResultSchema, GetTaskResultSchema, ListTasksResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { createTask, taskResult } from '../support/harness.js';
import { openResult } from './interleavingSystem.js';
import { ScriptedWork } from '../support/scriptedWork.js';
import { drain, until } from '../support/until.js';
import {
  SESSIONS,
  applyEvent,
  checkInvariants,
  codeOf,
  expectFinalOutcome,
  isLive,
  newModelTask,
  resultOf,
  settle,
} from './interleavingSystem.js';
import type { Model, ModelTask, RealSystem, SessionName } from './interleavingSystem.js';
import { CANCEL_REASON, MODEL_THROWS, SHUTDOWN_REASON, leafOf, workEventTypes } from './taskModel.js';
import type { Thrown } from './taskModel.js';
import { resultsAttached } from '../support/resultsAttached.js';

type Command = fc.AsyncCommand<Model, RealSystem>;

/** Most tasks one run creates (the model keeps them all, finished or not). */
export const MAX_TASKS = 6;
const WORK = workEventTypes();

/** All open tasks/result calls of task `index` have answered, each with the final outcome. */
async function expectResultsSettled(model: Model, real: RealSystem, index: number): Promise<void> {
  const { results, taskId } = real.byIndex[index]!;
  for (const { call } of results) {
    await until(() => call.settled !== undefined, `open tasks/result of task ${index} to answer`);
    expectFinalOutcome(call.settled!, model.tasks[index]!, index, taskId);
  }
  real.byIndex[index]!.results = [];
}

/** The work's unanswered elicitations were rejected and the work itself was aborted. */
async function expectWorkAborted(real: RealSystem, index: number): Promise<void> {
  const { work } = real.byIndex[index]!;
  expect((await work.ended.promise).kind, `work of task ${index}`).toBe('aborted');
  for (const [key, elicitation] of work.elicitations) {
    await until(() => elicitation.settled !== undefined, `elicitation ${key} to settle`);
  }
}

/** `tasks/result` calls the engine counts as open for a task. */
function attachedCalls(real: RealSystem, taskId: string): number {
  return resultsAttached(real.tasks, taskId);
}

/**
 * Waits until the elicitations of a task with an open tasks/result reached its client: the ones
 * not delivered yet, or (`again`) all of them, when a new call took over from an older one.
 */
async function deliverPending(model: Model, real: RealSystem, index: number, again = false): Promise<void> {
  const task = model.tasks[index]!;
  if (task.openResults === 0) return;
  const { desk } = real.sessions[task.owner];
  for (const pending of task.pending) {
    // Pushed on the session's stream: delivered once, never asked again by a tasks/result.
    if (pending.pushed) continue;
    if (again || !pending.delivered) pending.arrivals++;
    await until(
      () => desk.arrivals(pending.key) >= pending.arrivals,
      `elicitation ${pending.key} to reach session ${task.owner} (${pending.arrivals}×)`,
    );
    pending.delivered = true;
  }
}

class CreateTask implements Command {
  /** `listen`: the client opens tasks/result right away (how it gets the task's elicitations). */
  constructor(
    readonly session: SessionName,
    readonly ttl: number,
    readonly listen: boolean,
  ) {}
  check(model: Readonly<Model>): boolean {
    return model.tasks.length < MAX_TASKS;
  }
  async run(model: Model, real: RealSystem): Promise<void> {
    const work = new ScriptedWork();
    real.prepare(work);
    const task = await createTask(real.sessions[this.session].session.client, 'scripted', {}, this.ttl);
    expect(task.status).toBe('working');
    expect(task.ttl).toBe(this.ttl);
    await work.started.promise;
    real.byIndex.push({ taskId: task.taskId, work, results: [] });
    model.tasks.push(newModelTask(this.session, this.ttl, model.now));
    if (this.listen) {
      real.byIndex.at(-1)!.results.push(openResult(real, this.session, task.taskId));
      model.tasks.at(-1)!.openResults++;
      await until(() => attachedCalls(real, task.taskId) > 0, `tasks/result of the new task to be open`);
    }
    await checkInvariants(model, real);
  }
  toString(): string {
    return `create(${this.session}, ttl ${this.ttl}${this.listen ? ', listening' : ''})`;
  }
}

/** Base of commands aimed at one task, picked by position among the tasks the command applies to. */
abstract class OnTask implements Command {
  constructor(readonly pick: number) {}
  protected abstract applies(task: ModelTask): boolean;
  protected target(model: Readonly<Model>): number | undefined {
    const candidates = model.tasks.flatMap((task, index) => (this.applies(task) ? [index] : []));
    return candidates.length === 0 ? undefined : candidates[this.pick % candidates.length];
  }
  check(model: Readonly<Model>): boolean {
    return this.target(model) !== undefined;
  }
  abstract run(model: Model, real: RealSystem): Promise<void>;
}

class Status extends OnTask {
  protected override applies = isLive;
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const message = `status ${model.keys++}`;
    await real.byIndex[index]!.work.do({ kind: 'status', message });
    applyEvent(model.tasks[index]!, { type: 'work.status', message });
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `status(#${this.pick})`;
  }
}

class Elicit extends OnTask {
  protected override applies = (task: ModelTask): boolean => isLive(task) && task.pending.length < 2;
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const task = model.tasks[index]!;
    const requestId = ['q1', 'q2', 'q3'].find((id) => !task.pending.some((p) => p.requestId === id))!;
    const key = `t${index}.${model.keys++}`;
    await real.byIndex[index]!.work.do({ kind: 'elicit', key });
    applyEvent(task, { type: 'input.request', requestId });
    task.pending.push({ requestId, key, delivered: false, arrivals: 0, pushed: task.openResults === 0 });
    if (task.openResults > 0) {
      await deliverPending(model, real, index);
    } else {
      // Nobody is listening on tasks/result: the request goes out at once on the session's stream,
      // and with it, oldest first, what a dropped tasks/result put back in the queue (TaskPort's
      // pushQueued takes the whole queue). Pushed, they are not asked again by a later tasks/result.
      const { desk } = real.sessions[task.owner];
      for (const pending of task.pending) {
        if (pending.delivered) continue;
        pending.pushed = true;
        pending.arrivals++;
        await until(() => desk.arrivals(pending.key) >= pending.arrivals, `elicitation ${pending.key} pushed to session ${task.owner}`);
        pending.delivered = true;
      }
      await drain();
      for (const pending of task.pending) {
        expect(desk.arrivals(pending.key), `arrivals of elicitation ${pending.key}`).toBe(pending.arrivals);
      }
    }
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `elicit(#${this.pick})`;
  }
}

class Answer extends OnTask {
  constructor(
    pick: number,
    readonly which: number,
    readonly ok: boolean,
  ) {
    super(pick);
  }
  protected override applies = (task: ModelTask): boolean => isLive(task) && task.pending.some((p) => p.delivered);
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const task = model.tasks[index]!;
    const delivered = task.pending.filter((p) => p.delivered);
    const pending = delivered[this.which % delivered.length]!;
    const { desk } = real.sessions[task.owner];
    if (this.ok) desk.accept(pending.key, { answer: pending.key });
    else desk.fail(pending.key, -32001, `declined ${pending.key}`);
    const elicitation = real.byIndex[index]!.work.elicitations.get(pending.key)!;
    await until(() => elicitation.settled !== undefined, `the work's elicitation ${pending.key} to settle`);
    // The client answers every copy it received; the first answer is the one the task gets.
    expect(elicitation.settled!.ok, `answer to ${pending.key}`).toBe(this.ok);
    applyEvent(
      task,
      this.ok
        ? { type: 'input.response', requestId: pending.requestId, result: { answer: pending.key } }
        : { type: 'input.error', requestId: pending.requestId, error: { code: -32001 } },
    );
    task.pending = task.pending.filter((p) => p !== pending);
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `${this.ok ? 'accept' : 'fail'}(#${this.pick}, ${this.which})`;
  }
}

class OpenResult extends OnTask {
  constructor(
    pick: number,
    readonly session: SessionName,
  ) {
    super(pick);
  }
  protected override applies = (): boolean => true;
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const task = model.tasks[index]!;
    const { taskId } = real.byIndex[index]!;
    const client = real.sessions[this.session].session.client;
    if (this.session !== task.owner || task.state === 'gone') {
      const refused = (await settle(taskResult(client, taskId))) as { error?: unknown };
      expect(codeOf(refused.error), `tasks/result of task ${index} by ${this.session}`).toBe(-32602);
    } else if (!isLive(task)) {
      expectFinalOutcome(await settle(taskResult(client, taskId)), task, index, taskId);
    } else {
      // A newer tasks/result on the same connection takes over: the older call gets -32001 and
      // the input requests it carried are asked again on the new one.
      const older = real.byIndex[index]!.results.splice(0);
      real.byIndex[index]!.results.push(openResult(real, this.session, taskId));
      for (const { call } of older) {
        await until(() => call.settled !== undefined, 'the older tasks/result to be taken over');
        expect(codeOf((call.settled as { error?: unknown }).error), 'the older tasks/result call').toBe(-32001);
      }
      task.openResults = 1;
      // Attached before the next step: an elicitation from now on travels on this call, not the session's stream.
      await until(() => attachedCalls(real, taskId) > 0, `tasks/result of task ${index} to be open`);
      await deliverPending(model, real, index, true);
    }
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `result(#${this.pick}, by ${this.session})`;
  }
}

/** The client drops one of its open tasks/result calls (the SDK sends notifications/cancelled). */
class DropResult extends OnTask {
  protected override applies = (task: ModelTask): boolean => isLive(task) && task.openResults > 0;
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const task = model.tasks[index]!;
    const open = real.byIndex[index]!.results;
    const dropped = open.splice(this.pick % open.length, 1)[0]!;
    dropped.drop.abort(new Error('client went away'));
    await until(() => dropped.call.settled !== undefined, 'the dropped tasks/result to end at the client');
    expect(dropped.call.settled!.ok, 'a dropped tasks/result ends with an error at the client').toBe(false);
    task.openResults--;
    // Detached on the server too before the next step: whether a tasks/result waits decides if the end is notified.
    await until(() => attachedCalls(real, real.byIndex[index]!.taskId) === task.openResults, 'the dropped tasks/result to detach');
    // Requests it carried and nobody answered go back to the queue for the next tasks/result.
    for (const pending of task.pending) if (!pending.pushed) pending.delivered = false;
    await drain();
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `drop-result(#${this.pick})`;
  }
}

class Cancel extends OnTask {
  constructor(
    pick: number,
    readonly session: SessionName,
  ) {
    super(pick);
  }
  protected override applies = (): boolean => true;
  override async run(model: Model, real: RealSystem): Promise<void> {
    await cancelTask(model, real, this.target(model)!, this.session);
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `cancel(#${this.pick}, by ${this.session})`;
  }
}

/** tasks/cancel of task `index` by `session`, checked against the model. */
async function cancelTask(model: Model, real: RealSystem, index: number, session: SessionName): Promise<void> {
  const task = model.tasks[index]!;
  const { taskId } = real.byIndex[index]!;
  const client = real.sessions[session].session.client;
  const reply = await settle(client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema));
  if (session !== task.owner || !isLive(task)) {
    // Someone else's, gone, or already terminal: -32602 and nothing changes.
    expect(codeOf((reply as { error?: unknown }).error), 'tasks/cancel refused').toBe(-32602);
    return;
  }
  expect(reply.ok && reply.value.status, 'tasks/cancel answers with the task cancelled').toBe('cancelled');
  applyEvent(task, { type: 'cancel', reason: CANCEL_REASON });
  await expectResultsSettled(model, real, index);
  await expectWorkAborted(real, index);
}

class Finish extends OnTask {
  constructor(
    pick: number,
    readonly how: 'return' | Thrown,
  ) {
    super(pick);
  }
  protected override applies = isLive;
  override async run(model: Model, real: RealSystem): Promise<void> {
    const index = this.target(model)!;
    const { work } = real.byIndex[index]!;
    if (this.how === 'return') {
      await work.do({ kind: 'return', result: resultOf(index) });
      applyEvent(model.tasks[index]!, { type: WORK.done, output: resultOf(index) });
    } else {
      const thrown = this.how;
      await work.do({ kind: 'throw', error: thrown.kind === 'error' ? new Error(thrown.message) : mcpError(thrown) });
      applyEvent(model.tasks[index]!, { type: WORK.error, error: thrown });
    }
    await expectResultsSettled(model, real, index);
    await checkInvariants(model, real);
  }
  override toString(): string {
    return `finish(#${this.pick}, ${this.how === 'return' ? 'return' : `throw ${this.how.kind}`})`;
  }
}

function mcpError(thrown: Extract<Thrown, { kind: 'mcpError' }>): Error {
  return new McpError(thrown.code, thrown.message);
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: RealSystem): Promise<void> {
    await vi.advanceTimersByTimeAsync(this.ms);
    model.now += this.ms;
    for (const [index, task] of model.tasks.entries()) {
      if (task.state === 'gone' || model.now < task.createdAt + task.ttl) continue;
      const wasLive = isLive(task);
      if (wasLive) applyEvent(task, { type: 'expire' });
      task.state = 'gone';
      await expectResultsSettled(model, real, index);
      if (wasLive) await expectWorkAborted(real, index);
    }
    await checkInvariants(model, real);
  }
  toString(): string {
    return `advance(${this.ms} ms)`;
  }
}

class Observe implements Command {
  check(): boolean {
    return true;
  }
  async run(model: Model, real: RealSystem): Promise<void> {
    for (const session of SESSIONS) {
      const client = real.sessions[session].session.client;
      for (const [index, task] of model.tasks.entries()) {
        const { taskId } = real.byIndex[index]!;
        const got = await settle(client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema));
        if (task.owner !== session || task.state === 'gone') {
          expect(codeOf((got as { error?: unknown }).error), `tasks/get of task ${index} by ${session}`).toBe(-32602);
        } else {
          expect(got.ok && got.value.status, `status of task ${index}`).toBe(leafOf(task.state));
          expect(got.ok && got.value.statusMessage, `statusMessage of task ${index}`).toBe(task.statusMessage);
        }
      }
      const listed = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
      const visible = model.tasks.flatMap((task, index) =>
        task.owner === session && task.state !== 'gone' ? [real.byIndex[index]!.taskId] : [],
      );
      expect(
        listed.tasks.map((t) => t.taskId),
        `tasks/list of session ${session}`,
      ).toEqual(visible);
    }
    await checkInvariants(model, real);
  }
  toString(): string {
    return 'observe';
  }
}

const session = fc.constantFrom<SessionName>('A', 'B');
const pick = fc.nat({ max: 11 });

/** The command mix: status updates, elicitations and answers, result calls, cancels, work endings, clock moves. */
export const commands = fc.commands(
  [
    fc
      .tuple(session, fc.constantFrom(400, 1000, 5000), fc.constantFrom(true, true, false))
      .map(([s, ttl, listen]) => new CreateTask(s, ttl, listen)),
    pick.map((p) => new Status(p)),
    // Listed twice or three times: a command only applies in some states (an answer needs a
    // delivered elicitation), so these would otherwise rarely get their turn.
    pick.map((p) => new Elicit(p)),
    pick.map((p) => new Elicit(p)),
    fc.tuple(pick, fc.nat({ max: 3 }), fc.boolean()).map(([p, w, ok]) => new Answer(p, w, ok)),
    fc.tuple(pick, fc.nat({ max: 3 }), fc.boolean()).map(([p, w, ok]) => new Answer(p, w, ok)),
    fc.tuple(pick, fc.nat({ max: 3 }), fc.boolean()).map(([p, w, ok]) => new Answer(p, w, ok)),
    fc.tuple(pick, session).map(([p, s]) => new OpenResult(p, s)),
    fc.tuple(pick, session).map(([p, s]) => new OpenResult(p, s)),
    pick.map((p) => new DropResult(p)),
    fc.tuple(pick, session).map(([p, s]) => new Cancel(p, s)),
    fc.tuple(pick, fc.constantFrom<'return' | Thrown>('return', ...MODEL_THROWS)).map(([p, how]) => new Finish(p, how)),
    fc.constantFrom(150, 450, 1200).map((ms) => new Advance(ms)),
    fc.constant(new Observe()),
  ],
  { maxCommands: 30, size: 'max' },
);

/**
 * Ends every task still running: through its owner's tasks/cancel, as a client would, or all at
 * once by shutting TaskSupport down (each ends `failed`, its open tasks/result answers the error).
 */
export async function endEverything(model: Model, real: RealSystem, by: 'cancel' | 'shutdown'): Promise<void> {
  if (by === 'shutdown') {
    const live = model.tasks.flatMap((task, index) => (isLive(task) ? [index] : []));
    await real.tasks.close();
    for (const index of live) {
      applyEvent(model.tasks[index]!, { type: 'shutdown', reason: SHUTDOWN_REASON });
      await expectResultsSettled(model, real, index);
      await expectWorkAborted(real, index);
    }
  } else {
    for (const [index, task] of model.tasks.entries()) {
      if (isLive(task)) await cancelTask(model, real, index, task.owner);
    }
  }
  await checkInvariants(model, real);
}
