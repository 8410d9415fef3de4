import { expect, vi } from 'vitest';
import { McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { ScriptedWork } from '../../support/scriptedWork.js';
import { drain, track, until } from '../../support/until.js';
import type { Settled, Tracked } from '../../support/until.js';
import { edgeKey } from '../coverage.js';
import { specViolations, statusOfLeaf } from '../specOracle.js';
import type { Observation, ObservationSource } from '../specOracle.js';
import { CANCEL_REASON, MODEL_RESULT, SHUTDOWN_REASON, leafOf, predict, workEventTypes } from '../taskModel.js';
import type { ModelEvent, TaskSnapshot, Thrown, WorkErrorEvent } from '../taskModel.js';
import { actionsOf } from './bindings.js';
import type { Look, Outcome, ProtocolActions } from './bindings.js';
import { edgeLabel } from './combination.js';
import type { Combination } from './combination.js';
import { deploy, PATH_TTL } from './deployment.js';
import type { Deployment, Instance } from './deployment.js';
import { answerFor, InputDesk } from './inputDesk.js';
import { resultsAttached } from '../../support/resultsAttached.js';

const WORK = workEventTypes();

/**
 * One generated path, end to end over MCP in one combination: real SDK clients drive real servers
 * (SDK v1 or v2) that use TaskSupport (in memory, or two instances on one Redis). Each model event
 * becomes its protocol action; each client-side action goes to an instance `pick` chooses. After
 * each step the client's view is compared with the machine's prediction, and every observed status
 * sequence (notifications, tasks/get, the real actor's snapshots) is checked against the spec oracle.
 */
export class PathRun {
  private readonly expected: [string, string | undefined][] = [];
  private readonly observed: Record<ObservationSource, Observation[]> = { notification: [], 'tasks/get': [], actor: [], model: [] };
  private readonly keys = new Map<string, string>();
  private readonly answeredKeys = new Set<string>();
  private keyCount = 0;
  private outstanding = 0;
  private taskIdValue: string | undefined;
  private createdOnValue: string | undefined;
  private crossingCount = 0;
  private createdAs: Observation | undefined;
  private owner: Instance | undefined;
  private taskActor: AnyActorRef | undefined;
  private firstResult: Tracked<Outcome> | undefined;
  /** A tasks/result waits on the instance running the task: it, not a notification, brings the end. */
  private resultAtRunner = false;
  /** The last cancel came on the owner's session, the task's own (the runner's). */
  private cancelledByOwner = false;
  /** The statusMessage of the last status the machine announced, notified or not. */
  private lastMessage: string | undefined;
  private readonly actions: ProtocolActions;
  private readonly desk: InputDesk;

  private constructor(
    readonly combination: Combination,
    private readonly deployment: Deployment,
    private readonly work: ScriptedWork,
    private readonly microsteps: { actorId: string; edges: string[] }[],
    private readonly pick: () => Instance,
  ) {
    this.actions = actionsOf(combination);
    this.desk = new InputDesk(deployment.instances.map((i) => i.client));
  }

  /** A fresh deployment for one path. Fake timers must already be installed. */
  static async start(combination: Combination, random: () => number, redisUrl?: string): Promise<PathRun> {
    const work = new ScriptedWork();
    const deployment = await deploy(
      combination,
      (tasks, server) => tasks.registerTool(server, 'scripted', { taskSupport: 'required', description: 'driven by the model' }, work.run),
      redisUrl,
    );
    const microsteps: { actorId: string; edges: string[] }[] = [];
    for (const { tasks } of deployment.instances) {
      tasks.actor.system.inspect((event: InspectionEvent) => {
        if (event.type !== '@xstate.microstep') return;
        microsteps.push({
          actorId: (event.actorRef as { id?: string }).id ?? '',
          edges: event._transitions.map((t) => edgeKey(t, edgeLabel)),
        });
      });
    }
    const pick = () => {
      const open = deployment.instances.filter((i) => !i.closed);
      return open[Math.floor(random() * open.length)] ?? deployment.instances[0]!;
    };
    return new PathRun(combination, deployment, work, microsteps, pick);
  }

  get taskId(): string {
    if (this.taskIdValue === undefined) throw new Error('no task yet');
    return this.taskIdValue;
  }

  /** Status notifications the owner's client received for the task. */
  seen(): [string, string | undefined][] {
    return (this.owner?.notifications ?? [])
      .filter((n) => n.method === 'notifications/tasks/status' && (n.params as Task).taskId === this.taskIdValue)
      .map((n) => [(n.params as Task).status, (n.params as Task).statusMessage]);
  }

  /** The `xstate.init` step: create the task through a randomly chosen instance, then look. */
  async create(initial: TaskSnapshot): Promise<void> {
    this.owner = this.pick();
    this.createdOnValue = this.owner.name;
    const task = await this.actions.create(this.owner.client);
    this.taskIdValue = task.taskId;
    this.createdAs = { status: task.status as Observation['status'] };
    this.taskActor = this.owner.tasks.taskActor(task.taskId);
    expect(this.taskActor, 'the task actor runs on the instance that created it').toBeDefined();
    expect(task.status).toBe(leafOf(initial));
    expect(task.ttl).toBe(PATH_TTL);
    await this.work.started.promise;
    if (this.actions.notifies) {
      const reader = this.choose();
      this.firstResult = track(this.actions.outcome(reader.client, task.taskId));
      if (reader === this.owner) {
        // The runner skips the terminal status notification while a tasks/result of the task
        // waits there; wait until this one is attached, so that the prediction below holds.
        await until(() => resultsAttached(this.owner!.tasks, task.taskId) > 0, 'the tasks/result attached on the runner');
        this.resultAtRunner = true;
      }
    }
    this.observe(initial);
    await this.checkState(initial, undefined);
  }

  /** Performs `event` through the protocol and checks that the client sees `after`. */
  async step(before: TaskSnapshot, event: ModelEvent, after: TaskSnapshot): Promise<void> {
    const prediction = predict(before, event);
    await this.perform(event);
    // The end reaches the requestor through its waiting tasks/result instead (TaskActions.settle),
    // and a cancel through the answer to its own session's tasks/cancel (on the runner, which
    // created the task).
    const answeredCancel = event.type === 'cancel' && this.cancelledByOwner;
    const skipped = prediction.notifications.filter(
      ([status]) => (this.resultAtRunner && TERMINAL.has(status)) || (answeredCancel && status === 'cancelled'),
    );
    this.expected.push(...prediction.notifications.filter((n) => !skipped.includes(n)));
    if (prediction.notifications.length > 0) this.lastMessage = prediction.notifications.at(-1)![1];
    const first = this.firstResult;
    if (skipped.length > 0 && first) {
      await until(() => first.settled !== undefined, 'the waiting tasks/result to bring the end instead of a notification');
    }
    if (this.actions.notifies) {
      await until(() => this.seen().length >= this.expected.length, `${this.expected.length} status notifications`);
      expect(this.seen()).toEqual(this.expected);
    }
    // What the client answered is known from the step itself, not from the machine: the machine
    // must answer exactly that request, and the work must get exactly that answer.
    const answeredByClient =
      event.type === 'input.response' || event.type === 'input.error'
        ? [{ requestId: event.requestId, ok: event.type === 'input.response' }]
        : [];
    expect(prediction.answered, 'the machine answers the request the client answered').toEqual(answeredByClient);
    for (const { requestId, ok } of answeredByClient) {
      const key = this.keyOf(requestId);
      this.answeredKeys.add(key);
      this.outstanding--;
      const input = this.work.inputs.get(key)!;
      await until(() => input.settled !== undefined, `the work's input request ${requestId} to settle`);
      this.expectAnswer(requestId, input.settled!, ok);
    }
    this.observe(after);
    await this.checkState(after, event);
    const final = leafOf(after) !== 'working' && leafOf(after) !== 'input_required';
    // Across instances a cancel is stored (and answered) by the instance that got it, and the runner
    // learns it over the cluster channel: its actor ends a moment after the reply. In one process
    // the reply waits for the actor's end.
    if (final && this.combination.backend === 'redis') {
      await until(() => this.taskActor!.getSnapshot().status === 'done', `the real task actor to end in ${leafOf(after)}`);
    }
    expect(this.taskActor!.getSnapshot().status, `the real task actor in ${leafOf(after)}`).toBe(final ? 'done' : 'active');
    if (final) await this.checkEnd(event, after);
  }

  /** After the last step: nothing arrives late, the actor took the model's edges, the spec oracle holds. */
  async finish(modelEdges: readonly string[]): Promise<void> {
    await drain();
    if (this.actions.notifies) expect(this.seen(), 'no status notification after the path ended').toEqual(this.expected);
    expect(this.takenAtRuntime(), 'transitions the real task actor took').toEqual(modelEdges);
    // Creation is not notified: the CreateTaskResult's status opens the sequence the notifications continue.
    this.observed.notification = [this.createdAs!, ...this.seen().map(([status]) => ({ status: status as Observation['status'] }))];
    const violations = (Object.keys(this.observed) as ObservationSource[]).flatMap((source) =>
      specViolations(source, this.observed[source]),
    );
    expect(violations, 'every observed status sequence keeps the spec status rules').toEqual([]);
  }

  /** Where the task was created and how many later client steps went through another instance. */
  instancesUsed(): { createdOn: string | undefined; crossings: number } {
    return { createdOn: this.createdOnValue, crossings: this.crossingCount };
  }

  takenAtRuntime(): string[] {
    return this.microsteps.filter((m) => m.actorId === this.taskIdValue).flatMap((m) => m.edges);
  }

  async dispose(): Promise<void> {
    this.desk.releaseAll();
    await this.deployment.close();
  }

  private observe(model: TaskSnapshot): void {
    this.observed.model.push({ status: statusOfLeaf(leafOf(model)), outstanding: this.outstanding, done: model.status === 'done' });
    const actor = this.taskActor!.getSnapshot() as TaskSnapshot;
    this.observed.actor.push({ status: statusOfLeaf(leafOf(actor)), outstanding: this.outstanding, done: actor.status === 'done' });
  }

  /** The instance a client step goes to; counts a step sent through one that does not run the task. */
  private choose(): Instance {
    const instance = this.pick();
    if (instance !== this.owner) this.crossingCount++;
    return instance;
  }

  private keyOf(requestId: string): string {
    const key = this.keys.get(requestId);
    if (key === undefined) throw new Error(`no input request for ${requestId}`);
    return key;
  }

  private async perform(event: ModelEvent): Promise<void> {
    switch (event.type) {
      case 'work.status':
        return this.work.do({ kind: 'status', message: event.message });
      case 'input.request': {
        const key = `${event.requestId}.${++this.keyCount}`;
        this.keys.set(event.requestId, key);
        this.outstanding++;
        await this.work.do({ kind: this.combination.input === 'elicitation' ? 'elicit' : 'sample', key });
        if (this.actions.notifies) {
          await until(() => this.desk.has(key), `input request ${key} to reach the client`);
          expect(this.desk.received.find((r) => r.key === key)!.taskId, 'related-task _meta on the request').toBe(this.taskId);
        } else {
          await this.untilAsync(
            async () => (await this.actions.pendingKey(this.choose().client, this.taskId, key)) !== undefined,
            `${key} in inputRequests`,
          );
        }
        return;
      }
      case 'input.response': {
        const key = this.keyOf(event.requestId);
        const answer = answerFor(this.combination.input, event.requestId);
        if (this.actions.notifies) return this.desk.accept(key, answer);
        const client = this.choose().client;
        const requestKey = await this.actions.pendingKey(client, this.taskId, key);
        expect(requestKey, `${key} is outstanding in inputRequests`).toBeDefined();
        return this.actions.answer(client, this.taskId, requestKey!, answer);
      }
      case 'input.error':
        return this.desk.fail(this.keyOf(event.requestId), -32001, `declined ${event.requestId}`);
      case 'cancel': {
        const canceller = this.choose();
        this.cancelledByOwner = canceller === this.owner;
        return this.actions.cancel(canceller.client, this.taskId, event.reason ?? CANCEL_REASON);
      }
      case 'shutdown':
        this.owner!.closed = true;
        return this.owner!.tasks.close();
      case 'expire':
        await vi.advanceTimersByTimeAsync(PATH_TTL);
        return;
      default:
        if (event.type === WORK.done) return this.work.do({ kind: 'return', result: MODEL_RESULT });
        if (event.type === WORK.error) return this.work.do({ kind: 'throw', error: toThrowable((event as WorkErrorEvent).error) });
        throw new Error(`no protocol action for model event ${(event as ModelEvent).type}`);
    }
  }

  /** Polls an async check (a tasks/get) without timers: the clock is fake. */
  private async untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
    const start = performance.now();
    while (!(await check())) {
      if (performance.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
      await drain(1);
    }
  }

  private expectAnswer(requestId: string, settled: Settled<unknown>, ok: boolean): void {
    if (ok) {
      expect(settled).toEqual({ ok: true, value: answerFor(this.combination.input, requestId) });
    } else {
      expect(settled.ok).toBe(false);
      expect(((settled as { error: unknown }).error as McpError).code).toBe(-32001);
    }
  }

  /** The status the protocol reports for a leaf: the extension reports a thrown Error as a completed `isError` result. */
  private reportedStatus(leaf: string, event: ModelEvent | undefined): string {
    const plainThrow = event?.type === WORK.error && (event as WorkErrorEvent).error.kind === 'error';
    return this.combination.protocol === 'extension' && leaf === 'failed' && plainThrow ? 'completed' : leaf;
  }

  private async checkState(state: TaskSnapshot, event: ModelEvent | undefined): Promise<void> {
    const leaf = leafOf(state);
    let look: Look = await this.actions.look(this.choose().client, this.taskId);
    if (!this.actions.notifies) {
      // No notification to wait for: poll until the stored status catches up, each look still checked by the oracle.
      const want = leaf === 'expired' ? 'gone' : this.reportedStatus(leaf, event);
      await this.untilAsync(async () => {
        if ((look.gone ? 'gone' : look.status) === want) return true;
        if (!look.gone) this.observed['tasks/get'].push({ status: look.status });
        look = await this.actions.look(this.choose().client, this.taskId);
        return false;
      }, `tasks/get to report ${want}`);
    }
    if (leaf === 'expired') {
      expect(look.gone, 'the task is gone after its ttl').toBe(true);
      this.observed['tasks/get'].push({ status: 'gone' });
      return;
    }
    expect(look.gone, 'the task is still there').toBe(false);
    if (look.gone) return;
    this.observed['tasks/get'].push({ status: look.status, outstanding: this.outstanding });
    expect(look.status, 'tasks/get status').toBe(this.reportedStatus(leaf, event));
    if (this.actions.notifies)
      expect(look.statusMessage, 'tasks/get statusMessage matches the last status announced').toBe(this.lastMessage);
  }

  private async checkEnd(event: ModelEvent, state: TaskSnapshot): Promise<void> {
    const leaf = leafOf(state);
    if (this.firstResult) {
      const first = this.firstResult;
      await until(() => first.settled !== undefined, 'the open tasks/result to answer');
      // `outcome` never rejects: it reports a JSON-RPC error as `{ ok: false }`.
      this.expectOutcome((first.settled as { value: Outcome }).value, leaf, event);
    }
    if (leaf !== 'expired') this.expectOutcome(await this.actions.outcome(this.choose().client, this.taskId), leaf, event);
    const end = await this.work.ended.promise;
    const ending = event.type === WORK.done ? 'returned' : event.type === WORK.error ? 'threw' : 'aborted';
    expect(end.kind, 'how the work function ended').toBe(ending);
    for (const [key, input] of this.work.inputs) {
      if (this.answeredKeys.has(key)) continue;
      await until(() => input.settled !== undefined, `unanswered input request ${key} to end with the task`);
      expect(input.settled!.ok, `unanswered input request ${key} rejects once the task ended`).toBe(false);
    }
    await until(() => this.owner!.tasks.liveTaskActors === 0, 'no task actor left alive');
  }

  private expectOutcome(outcome: Outcome, leaf: string, event: ModelEvent): void {
    const taskId = this.taskId;
    const legacy = this.combination.protocol === 'rev2025-11-25';
    const related = legacy ? { _meta: { [RELATED_TASK_META_KEY]: { taskId } } } : {};
    const error = (outcome as { error?: unknown }).error as McpError;
    switch (leaf) {
      case 'completed':
        expect(outcome).toEqual({ ok: true, value: expect.objectContaining({ ...MODEL_RESULT, ...related }) });
        return;
      case 'expired':
        expect(outcome.ok).toBe(false);
        expect(error.code, 'the outcome of an expired task').toBe(-32602);
        return;
      case 'cancelled':
        expect(outcome.ok).toBe(false);
        expect(error.code).toBe(-32603);
        expect(error.message).toContain('cancelled');
        expect(error.data).toMatchObject({ taskId, status: 'cancelled' });
        return;
      case 'failed': {
        if (event.type === 'shutdown') {
          expect(outcome.ok).toBe(false);
          expect(error.code).toBe(-32603);
          expect(error.message).toContain(SHUTDOWN_REASON);
          return;
        }
        const thrown = (event as WorkErrorEvent).error;
        if (thrown.kind === 'error') {
          expect(outcome).toEqual({
            ok: true,
            value: expect.objectContaining({ content: [{ type: 'text', text: thrown.message }], isError: true, ...related }),
          });
        } else {
          expect(outcome.ok).toBe(false);
          expect(error.code).toBe(thrown.code);
          expect(error.message).toContain(thrown.message);
        }
        return;
      }
      default:
        throw new Error(`no outcome mapping for final state ${leaf}`);
    }
  }
}

function toThrowable(thrown: Thrown): Error {
  return thrown.kind === 'error' ? new Error(thrown.message) : new McpError(thrown.code, thrown.message);
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
