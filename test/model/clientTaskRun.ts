import { expect, vi } from 'vitest';
import { transition } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { TaskSupport } from '../../src/index.js';
import { drain, track, until } from '../support/until.js';
import type { Tracked } from '../support/until.js';
import type { ClientTaskCombination } from './clientTaskCombination.js';
import { CLIENT_POLL_MS, CLIENT_TTL_MS, clientEdgeLabel, clientLabel, clientLeafOf, machineEvent, stepEdges } from './clientTaskModel.js';
import type { ClientModelEvent, ClientSnapshot } from './clientTaskModel.js';
import { followViolations, reportViolations } from './clientTaskOracle.js';
import type { FollowLook } from './clientTaskOracle.js';
import { TaskReceiver } from './clientTaskReceiver.js';
import { ClientTaskWire } from './clientTaskWire.js';
import { edgeKey } from './coverage.js';
import type { SpecStatus } from './specOracle.js';

/** The server task's ttl: far beyond anything a path's clock reaches. */
const SERVER_TASK_TTL = 3_600_000;
/** The poll timer's event type, as XState names a delayed transition (`xstate.after.<delay>.<state id>`). */
const POLL_EVENT = 'xstate.after.pollInterval.clientTask.active.working';
const SHORT_STATUS = z.object({ status: z.string() }).passthrough();
const REQUESTS = ['tasks/get', 'tasks/result', 'tasks/cancel'] as const;
type Counts = Record<(typeof REQUESTS)[number], number>;

/**
 * One generated path of the client-task machine, end to end: a real SDK v1 `Client` with a task
 * store is the receiver (clientTaskReceiver.ts), and a real `McpServer` (SDK v1 or v2) with
 * `TaskSupport` asks it from a server task's work (`elicitAsTask` / `createMessageAsTask`). The wire
 * between them (clientTaskWire.ts) parks the server's `tasks/get` and `tasks/result` until the path
 * delivers them, so each model event has exactly one stimulus. After every step the real client-task
 * actor's state and the transitions it took (`@xstate.microstep`) must be the model's, the requests
 * it sent the client must be what the step's actions call for, and every status sequence observed
 * so far must keep the spec oracle (clientTaskOracle.ts).
 */
export class ClientTaskRun {
  private readonly microsteps: string[][] = [];
  private readonly follow: FollowLook[] = [];
  private readonly model: FollowLook[] = [];
  private actor: AnyActorRef | undefined;
  private serverTaskId: string | undefined;
  private asked: Tracked<unknown> | undefined;
  private cancelledServerTask = false;

  private constructor(
    readonly combination: ClientTaskCombination,
    private readonly tasks: TaskSupport,
    private readonly server: McpServer,
    private readonly receiver: TaskReceiver,
    private readonly wire: ClientTaskWire,
  ) {}

  /** A fresh server, receiver and wire for one path. Fake timers must already be installed. */
  static async start(combination: ClientTaskCombination): Promise<ClientTaskRun> {
    const tasks = new TaskSupport({ pollInterval: 10, minTtl: 0, logger: { warn: () => {}, error: () => {} } });
    const info = { name: 'client-task-paths', version: '1.0.0' };
    // A v2 McpServer is typed as v1's: only registerTool (through TaskSupport), connect and close are used.
    const server = combination.sdk === 'v2' ? (new McpServerV2(info) as unknown as McpServer) : new McpServer(info);
    const receiver = new TaskReceiver(combination.input);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const run = new ClientTaskRun(combination, tasks, server, receiver, new ClientTaskWire(clientSide, serverSide));
    tasks.registerTool(server, 'askClient', { taskSupport: 'required' }, (_args, task) => {
      run.asked = track<unknown>(
        combination.input === 'elicitation'
          ? task.elicitAsTask(
              { message: 'ok?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
              { ttl: CLIENT_TTL_MS },
            )
          : task.createMessageAsTask(
              { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 },
              { ttl: CLIENT_TTL_MS },
            ),
      );
      // The work ends as the follow does; its outcome is checked from `asked`, the server task just completes.
      return run.asked.done.then(() => ({ content: [{ type: 'text' as const, text: 'asked' }] }));
    });
    tasks.enable(server);
    tasks.actor.system.inspect((event: InspectionEvent) => run.inspect(event));
    await server.connect(serverSide);
    await receiver.client.connect(clientSide);
    return run;
  }

  /** The initial step: a server task whose work asks the client; the request reaches the receiver's handler. */
  async create(initial: ClientSnapshot): Promise<void> {
    const created = await this.receiver.client.request(
      { method: 'tools/call', params: { name: 'askClient', arguments: {}, task: { ttl: SERVER_TASK_TTL } } },
      CreateTaskResultSchema,
    );
    this.serverTaskId = created.task.taskId;
    await until(() => this.receiver.asked && this.actor !== undefined, 'the task-augmented request at the receiver');
    this.expectState(initial, 'the initial state');
    this.look(initial);
  }

  /** Causes `event` the way it happens at run time and checks the actor took exactly the model's transitions. */
  async step(before: ClientSnapshot, event: ClientModelEvent, after: ClientSnapshot): Promise<void> {
    const expectedEdges: string[] = [];
    const expectedSent: Counts = { 'tasks/get': 0, 'tasks/result': 0, 'tasks/cancel': 0 };
    const expectStep = (from: ClientSnapshot, e: ClientModelEvent): void => {
      const types = transition(clientTaskMachine, from, machineEvent(e) as never)[1].map((a) => a.type);
      expectedEdges.push(...stepEdges(clientTaskMachine, from, e));
      expectedSent['tasks/get'] += types.filter((t) => t === 'poll').length;
      expectedSent['tasks/result'] += types.filter((t) => t === 'xstate.spawnChild').length;
      expectedSent['tasks/cancel'] += types.filter((t) => t === 'cancelRemote').length;
    };
    const counts = this.counts();
    const stepsBefore = this.microsteps.length;
    // `lost` is a poll's failure, and a polls-only receiver reports through a poll's answer: with no
    // poll waiting on the wire, the next interval sends one, a step the model takes too.
    if (this.byPoll(event) && !this.wire.isWaiting('tasks/get')) {
      const polled = { type: POLL_EVENT };
      expectStep(before, polled);
      expectStep(transition(clientTaskMachine, before, polled as never)[0], event);
    } else expectStep(before, event);

    await this.cause(event);
    await drain();
    this.expectState(after, `after ${clientLabel(event)}`);
    let taken = this.microsteps.slice(stepsBefore).flat();
    const sent = this.counts();
    const ttl = event.type.includes('.after.ttl.');
    if (ttl) {
      // The ttl runs the clock through the poll intervals before it: those polls are the machine's
      // own steps (one tasks/get each), taken before the model's ttl edge.
      const poll = stepEdges(clientTaskMachine, before, { type: POLL_EVENT })[0];
      const polls = taken.findIndex((edge) => edge !== poll);
      if (poll !== undefined && polls > 0) {
        expect(sent['tasks/get'] - counts['tasks/get'], 'one tasks/get per poll interval the ttl ran through').toBe(polls);
        taken = taken.slice(polls);
      }
    }
    expect(taken, `transitions the real actor took on ${clientLabel(event)}`).toEqual(expectedEdges);
    for (const method of REQUESTS) {
      if (method === 'tasks/get' && ttl) continue;
      expect(sent[method] - counts[method], `${method} sent on ${clientLabel(event)}`).toBe(expectedSent[method]);
    }
    this.look(after);
    this.expectSpec(`after ${clientLabel(event)}`);
    if (after.status === 'done') await this.checkEnd(after);
  }

  /** After the last step: the spec oracle over every sequence observed, the receiver's own history included. */
  finish(): void {
    this.expectSpec('at the end of the path', true);
  }

  async dispose(): Promise<void> {
    this.receiver.close();
    await this.receiver.client.close();
    await this.server.close();
    await this.tasks.close();
  }

  /** How many `method` requests the server has sent the receiver so far. */
  sentCount(method: string): number {
    return this.wire.count(method);
  }

  /** The real client-task actor's state value. */
  actorValue(): unknown {
    return this.actor!.getSnapshot().value;
  }

  /** The receiver moves its task without a notification (as a receiver that reports only through `tasks/get` does). */
  receiverMovesSilently(status: SpecStatus): Promise<void> {
    return this.receiver.move(status, false);
  }

  /** Delivers the `tasks/result` waiting on the wire to the receiver. */
  deliverResult(): Promise<void> {
    return this.wire.deliver('tasks/result');
  }

  /** Transitions the real actor took, in order. */
  takenAtRuntime(): string[] {
    return this.microsteps.flat();
  }

  private inspect(event: InspectionEvent): void {
    const id = (event.actorRef as { id?: string }).id ?? '';
    if (!id.startsWith('clientTask-')) return;
    this.actor ??= event.actorRef as AnyActorRef;
    if (event.type === '@xstate.microstep') this.microsteps.push(event._transitions.map((t) => edgeKey(t, clientEdgeLabel)));
  }

  private byPoll(event: ClientModelEvent): boolean {
    return event.type === 'lost' || (event.type === 'status' && this.combination.reports === 'polls');
  }

  private counts(): Counts {
    return {
      'tasks/get': this.wire.count('tasks/get'),
      'tasks/result': this.wire.count('tasks/result'),
      'tasks/cancel': this.wire.count('tasks/cancel'),
    };
  }

  /** The spec oracle over everything observed so far: a step that breaks a rule fails there, before the next stimulus. */
  private expectSpec(when: string, withHistory = false): void {
    const created = this.receiver.created;
    const violations = [
      ...followViolations('actor', this.follow),
      ...followViolations('model', this.model),
      ...reportViolations({
        ...(created === undefined ? {} : { created }),
        received: [...(created === undefined ? [] : [{ via: 'created' as const, status: created }]), ...this.wire.reports],
        history: withHistory ? this.receiver.store.history : [],
      }),
    ];
    expect(violations, `every observed status sequence keeps the spec status rules (${when})`).toEqual([]);
  }

  private expectState(state: ClientSnapshot, when: string): void {
    const real = this.actor!.getSnapshot() as ClientSnapshot;
    expect(real.value, `the real client-task actor's state ${when}`).toEqual(state.value);
    expect(real.status, `the real actor's status ${when}`).toBe(state.status);
  }

  private look(model: ClientSnapshot): void {
    const openResults = this.wire.openResults();
    const real = this.actor!.getSnapshot() as ClientSnapshot;
    this.follow.push({ leaf: clientLeafOf(real), done: real.status === 'done', openResults });
    this.model.push({ leaf: clientLeafOf(model), done: model.status === 'done', openResults });
  }

  private async cause(event: ClientModelEvent): Promise<void> {
    const type = event.type;
    if (type === 'created') {
      await this.receiver.create(event.task!.status);
      this.wire.taskId = this.receiver.taskId;
    } else if (type === 'refused') this.receiver.refuse();
    else if (type === 'answered') await this.wire.answer(this.receiver.answerPlainly());
    else if (type === 'status' || type === 'lost') {
      if (!this.byPoll(event)) return this.receiver.move(event.task!.status, true);
      if (!this.wire.isWaiting('tasks/get')) await vi.advanceTimersByTimeAsync(CLIENT_POLL_MS);
      // A polls-only receiver moves its task silently; `lost`: it no longer knows the task (as after
      // its own ttl). Either way the poll on the wire tells.
      if (type === 'lost') this.receiver.drop();
      else await this.receiver.move(event.task!.status, false);
      await this.wire.deliver('tasks/get');
    } else if (type === 'cancel') {
      this.cancelledServerTask = true;
      await this.receiver.client.request({ method: 'tasks/cancel', params: { taskId: this.serverTaskId! } }, SHORT_STATUS);
    } else if (type.includes('.after.pollInterval.')) await vi.advanceTimersByTimeAsync(CLIENT_POLL_MS);
    else if (type.includes('.after.ttl.')) await vi.advanceTimersByTimeAsync(CLIENT_TTL_MS);
    else if (type.startsWith('xstate.done.actor.')) {
      // The receiver's task ends (silently: its notification would be a step of its own) and tasks/result answers.
      const status = await this.receiver.status();
      if (status === 'working' || status === 'input_required') await this.receiver.move('completed', false);
      await this.wire.deliver('tasks/result');
    } else if (type.startsWith('xstate.error.actor.')) {
      // The receiver dropped its task before the result was fetched: tasks/result answers -32602.
      this.receiver.drop();
      await this.wire.deliver('tasks/result');
    } else throw new Error(`no stimulus for ${type}`);
  }

  private async checkEnd(state: ClientSnapshot): Promise<void> {
    const leaf = clientLeafOf(state);
    const asked = this.asked!;
    await until(() => asked.settled !== undefined, 'the work’s task-augmented request to settle');
    if (leaf === 'completed') {
      expect(asked.settled, 'the work gets the result tasks/result delivered').toEqual({
        ok: true,
        value: expect.objectContaining(this.receiver.storedResult),
      });
    } else expect(asked.settled!.ok, `the work's request after the follow ended ${leaf}`).toBe(false);
    expect(this.wire.openResults(), 'tasks/result calls still open after the follow ended').toBe(0);
    // The server task ends with the work: cancelled if the path cancelled it, completed otherwise.
    await until(() => this.tasks.liveTaskActors === 0, 'the server task to end');
    const server = await this.receiver.client.request({ method: 'tasks/get', params: { taskId: this.serverTaskId! } }, SHORT_STATUS);
    expect(server.status, 'the server task after the follow').toBe(this.cancelledServerTask ? 'cancelled' : 'completed');
  }
}
