import { expect, vi } from 'vitest';
import { transition } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageRequestSchema, CreateTaskResultSchema, ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, Result } from '@modelcontextprotocol/sdk/types.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { TaskSupport } from '../../src/index.js';
import { drain, track, until } from '../support/until.js';
import type { Tracked } from '../support/until.js';
import { followViolations, reportViolations } from './clientTaskOracle.js';
import type { FollowLook, ReceiverReports } from './clientTaskOracle.js';
import { CLIENT_POLL_MS, CLIENT_TTL_MS, clientEdgeLabel, clientLabel, clientLeafOf, machineEvent, stepEdges } from './clientTaskModel.js';
import type { ClientModelEvent, ClientSnapshot, ClientUnreachable } from './clientTaskModel.js';
import { edgeKey } from './coverage.js';
import type { SpecStatus } from './specOracle.js';

/**
 * How the server asks the client (a task-augmented elicitation or sampling request, from an SDK v1
 * or v2 server) and how the receiver reports its task's status: by `notifications/tasks/status`, or
 * only through its `tasks/get` answers (notifications are optional for a receiver).
 */
export interface ClientTaskCombination {
  input: 'elicitation' | 'sampling';
  sdk: 'v1' | 'v2';
  reports: 'notifications' | 'polls';
}

/** Every combination the client-task paths run in. */
export const CLIENT_TASK_COMBINATIONS: readonly ClientTaskCombination[] = (['notifications', 'polls'] as const).flatMap((reports) =>
  (['v1', 'v2'] as const).flatMap((sdk) => (['elicitation', 'sampling'] as const).map((input) => ({ input, sdk, reports }))),
);

export const clientCombinationName = (c: ClientTaskCombination): string => `${c.input} × ${c.sdk} × ${c.reports}`;

/**
 * What a combination cannot cause, with why. The follower polls only while the client's task is
 * `working` and keeps a `tasks/result` open while it is `input_required` (the spec's advice), so a
 * receiver that reports only through `tasks/get` cannot tell an `input_required` follower anything:
 * its next word is the open `tasks/result`'s answer. clientTask.unreachable.test.ts proves it.
 */
export function clientUnreachable(c: ClientTaskCombination): ClientUnreachable[] {
  return c.reports === 'polls'
    ? [{ state: 'clientTask.active.input_required', eventType: 'status', why: 'no tasks/get is sent while input_required' }]
    : [];
}

/** What the receiver stores as its task's result: the answer a completed task has, and one for a failed task. */
function resultFor(input: ClientTaskCombination['input'], status: 'completed' | 'failed'): Result {
  if (input === 'elicitation') return status === 'completed' ? { action: 'accept', content: { ok: true } } : { action: 'decline' };
  return { role: 'assistant', content: { type: 'text', text: `the receiver's task ${status}` }, model: 'model-paths' };
}

/** The receiver's store, recording every status its tasks hold (the receiver's own history, for the oracle). */
class RecordingTaskStore extends InMemoryTaskStore {
  readonly history: SpecStatus[] = [];
  override async createTask(...args: Parameters<InMemoryTaskStore['createTask']>) {
    const task = await super.createTask(...args);
    this.history.push(task.status);
    return task;
  }
  override async storeTaskResult(...args: Parameters<InMemoryTaskStore['storeTaskResult']>) {
    await super.storeTaskResult(...args);
    this.history.push(args[1]);
  }
  override async updateTaskStatus(...args: Parameters<InMemoryTaskStore['updateTaskStatus']>) {
    await super.updateTaskStatus(...args);
    this.history.push(args[1]);
  }
}

/** A request the server sent the client that the wire holds until the path delivers it. */
interface Parked {
  id: string | number;
  method: string;
  deliver(): Promise<void>;
  delivered: boolean;
  withdrawn: boolean;
}

type RequestExtra = {
  taskStore?: {
    updateTaskStatus(id: string, status: SpecStatus, message?: string): Promise<void>;
    storeTaskResult(id: string, status: 'completed' | 'failed', result: Result): Promise<void>;
  };
};

const SERVER_TASK_TTL = 3_600_000;
/** The poll timer's event type, as XState names a delayed transition (`xstate.after.<delay>.<state id>`). */
const POLL_EVENT = 'xstate.after.pollInterval.clientTask.active.working';
const SHORT_STATUS = z.object({ status: z.string() }).passthrough();

/**
 * One generated path of the client-task machine, end to end: a real SDK v1 `Client` with a task store
 * is the receiver (it creates its task in its elicitation or sampling handler, answers `tasks/get`,
 * `tasks/result` and `tasks/cancel` itself and sends status notifications), and a real `McpServer`
 * with `TaskSupport` asks it from a server task's work (`elicitAsTask` / `createMessageAsTask`). The
 * wire between them parks the server's `tasks/get` and `tasks/result` until the path delivers them,
 * so each model event has exactly one stimulus. After every step the real client-task actor's state
 * and the transitions it took (`@xstate.microstep`) must be the model's, and the requests it sent the
 * client must be what the step's actions call for; at the end every observed status sequence goes
 * through the spec oracle (clientTaskOracle.ts).
 */
export class ClientTaskRun {
  private readonly parked: Parked[] = [];
  private readonly sent: { method: string; id: string | number }[] = [];
  private readonly withdrawnIds = new Set<string | number>();
  private readonly getIds = new Set<string | number>();
  private readonly microsteps: string[][] = [];
  private readonly follow: FollowLook[] = [];
  private readonly model: FollowLook[] = [];
  private readonly reports: ReceiverReports = { received: [], history: [] };
  private pendingCreate: { extra: RequestExtra; resolve(value: Result): void; reject(error: unknown): void } | undefined;
  private receiverTask: { id: string; extra: RequestExtra } | undefined;
  private actor: AnyActorRef | undefined;
  private serverTaskId: string | undefined;
  private asked: Tracked<unknown> | undefined;
  private storedResult: Result | undefined;
  private statusCount = 0;
  private cancelledServerTask = false;

  private constructor(
    readonly combination: ClientTaskCombination,
    private readonly tasks: TaskSupport,
    private readonly client: Client,
    private readonly store: RecordingTaskStore,
    private readonly server: McpServer,
  ) {}

  /** A fresh server, receiver and wire for one path. Fake timers must already be installed. */
  static async start(combination: ClientTaskCombination): Promise<ClientTaskRun> {
    const tasks = new TaskSupport({ pollInterval: 10, minTtl: 0, logger: { warn: () => {}, error: () => {} } });
    const info = { name: 'client-task-paths', version: '1.0.0' };
    // A v2 McpServer is typed as v1's: only registerTool (through TaskSupport), connect and close are used.
    const server = combination.sdk === 'v2' ? (new McpServerV2(info) as unknown as McpServer) : new McpServer(info);
    const store = new RecordingTaskStore();
    const client = new Client(
      { name: 'client-task-receiver', version: '1.0.0' },
      {
        capabilities: {
          elicitation: { form: {} },
          sampling: {},
          tasks: { cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
        },
        taskStore: store,
      },
    );
    const run = new ClientTaskRun(combination, tasks, client, store, server);
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
    const park = (extra: RequestExtra) => new Promise<Result>((resolve, reject) => (run.pendingCreate = { extra, resolve, reject }));
    client.setRequestHandler(ElicitRequestSchema, (_request, extra) => park(extra as RequestExtra) as never);
    client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => park(extra as RequestExtra) as never);
    tasks.actor.system.inspect((event: InspectionEvent) => run.inspect(event));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    run.tapWire(clientSide, serverSide);
    await server.connect(serverSide);
    await client.connect(clientSide);
    return run;
  }

  private inspect(event: InspectionEvent): void {
    const id = (event.actorRef as { id?: string }).id ?? '';
    if (!id.startsWith('clientTask-')) return;
    this.actor ??= event.actorRef as AnyActorRef;
    if (event.type === '@xstate.microstep') this.microsteps.push(event._transitions.map((t) => edgeKey(t, clientEdgeLabel)));
  }

  private tapWire(clientSide: InMemoryTransport, serverSide: InMemoryTransport): void {
    const toClient = serverSide.send.bind(serverSide);
    serverSide.send = async (message: JSONRPCMessage, options?: TransportSendOptions) => {
      if ('method' in message && 'id' in message && message.method.startsWith('tasks/')) {
        this.sent.push({ method: message.method, id: message.id });
        if (message.method === 'tasks/get' || message.method === 'tasks/result') {
          const parked: Parked = {
            id: message.id,
            method: message.method,
            delivered: false,
            withdrawn: false,
            deliver: () => toClient(message, options),
          };
          this.parked.push(parked);
          return;
        }
      }
      if ('method' in message && message.method === 'notifications/cancelled') {
        const requestId = (message.params as { requestId?: string | number }).requestId;
        if (requestId !== undefined) this.withdrawnIds.add(requestId);
        for (const p of this.parked) if (p.id === requestId) p.withdrawn = true;
      }
      return toClient(message, options);
    };
    const toServer = clientSide.send.bind(clientSide);
    clientSide.send = async (message: JSONRPCMessage, options?: TransportSendOptions) => {
      const receiverId = this.receiverTask?.id;
      if ('method' in message && message.method === 'notifications/tasks/status') {
        const task = message.params as { taskId: string; status: SpecStatus };
        if (task.taskId === receiverId) this.reports.received.push({ via: 'notification', status: task.status });
      } else if ('id' in message && message.id !== undefined && !('method' in message) && this.getIds.has(message.id)) {
        const status = 'result' in message ? (message.result as { status?: SpecStatus }).status : undefined;
        this.reports.received.push({ via: 'tasks/get', status: status ?? 'gone' });
      }
      return toServer(message, options);
    };
  }

  /** The initial step: a server task whose work asks the client; the request reaches the receiver's handler. */
  async create(initial: ClientSnapshot): Promise<void> {
    const created = await this.client.request(
      { method: 'tools/call', params: { name: 'askClient', arguments: {}, task: { ttl: SERVER_TASK_TTL } } },
      CreateTaskResultSchema,
    );
    this.serverTaskId = created.task.taskId;
    await until(() => this.pendingCreate !== undefined && this.actor !== undefined, 'the task-augmented request at the receiver');
    this.expectState(initial, 'the initial state');
    this.look(initial);
  }

  /** Causes `event` the way it happens at run time and checks the actor took exactly the model's transitions. */
  async step(before: ClientSnapshot, event: ClientModelEvent, after: ClientSnapshot): Promise<void> {
    const expectedEdges: string[] = [];
    const expectedSent = { 'tasks/get': 0, 'tasks/result': 0, 'tasks/cancel': 0 };
    const expectStep = (from: ClientSnapshot, e: ClientModelEvent): void => {
      const [, actions] = transition(clientTaskMachine, from, machineEvent(e) as never);
      const types = actions.map((a) => a.type);
      expectedEdges.push(...clientTaskMachine.getTransitionData(from, machineEvent(e) as never).map((t) => edgeKey(t, clientEdgeLabel)));
      expectedSent['tasks/get'] += types.filter((t) => t === 'poll').length;
      expectedSent['tasks/result'] += types.filter((t) => t === 'xstate.spawnChild').length;
      expectedSent['tasks/cancel'] += types.filter((t) => t === 'cancelRemote').length;
    };
    const counts = this.counts();
    const stepsBefore = this.microsteps.length;
    // `lost` is a poll's failure: with no poll waiting, the next interval sends one (a step the model takes too).
    // So is a status the receiver reports only through tasks/get.
    const byPoll = event.type === 'lost' || (event.type === 'status' && this.combination.reports === 'polls');
    if (byPoll && !this.waiting('tasks/get')) {
      const polled = { type: POLL_EVENT };
      expectStep(before, polled);
      const [between] = transition(clientTaskMachine, before, polled as never);
      expectStep(between, event);
    } else expectStep(before, event);

    await this.cause(event);
    await drain();
    this.expectState(after, `after ${clientLabel(event)}`);
    let taken = this.microsteps.slice(stepsBefore).flat();
    const sent = this.counts();
    if (event.type.includes('.after.ttl.')) {
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
    // A ttl step runs the clock through many poll intervals; every other step sends exactly what its actions say.
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel'] as const) {
      if (method === 'tasks/get' && event.type.includes('.after.ttl.')) continue;
      expect(sent[method] - counts[method], `${method} sent on ${clientLabel(event)}`).toBe(expectedSent[method]);
    }
    this.look(after);
    this.expectSpec(`after ${clientLabel(event)}`);
    if (after.status === 'done') await this.checkEnd(after);
  }

  /** After the last step: the spec oracle over every sequence observed, the receiver's own history included. */
  finish(): void {
    this.reports.history = this.store.history;
    this.expectSpec('at the end of the path');
  }

  /** The spec oracle over everything observed so far: a step that breaks a rule fails there, before the next stimulus. */
  private expectSpec(when: string): void {
    const violations = [
      ...followViolations('actor', this.follow),
      ...followViolations('model', this.model),
      ...reportViolations(this.reports),
    ];
    expect(violations, `every observed status sequence keeps the spec status rules (${when})`).toEqual([]);
  }

  async dispose(): Promise<void> {
    this.pendingCreate?.reject(new McpError(-32603, 'path over'));
    await this.client.close();
    await this.server.close();
    await this.tasks.close();
    this.store.cleanup();
  }

  /** How many `method` requests the server has sent the receiver so far. */
  sentCount(method: string): number {
    return this.sent.filter((r) => r.method === method).length;
  }

  /** The real client-task actor's state value. */
  actorValue(): unknown {
    return this.actor!.getSnapshot().value;
  }

  /** The receiver moves its task without a notification (as a receiver that reports only through `tasks/get` does). */
  receiverMovesSilently(status: SpecStatus): Promise<void> {
    return this.setStatus(status, false);
  }

  /** Delivers the `tasks/result` waiting on the wire to the receiver. */
  deliverResult(): Promise<void> {
    return this.deliver('tasks/result');
  }

  /** Transitions the real actor took, one list per microstep. */
  takenAtRuntime(): string[] {
    return this.microsteps.flat();
  }

  private counts(): Record<'tasks/get' | 'tasks/result' | 'tasks/cancel', number> {
    const count = (m: string) => this.sent.filter((s) => s.method === m).length;
    return { 'tasks/get': count('tasks/get'), 'tasks/result': count('tasks/result'), 'tasks/cancel': count('tasks/cancel') };
  }

  private waiting(method: string): Parked | undefined {
    return [...this.parked].reverse().find((p) => p.method === method && !p.delivered && !p.withdrawn);
  }

  private async deliver(method: string): Promise<void> {
    const parked = this.waiting(method);
    if (!parked) throw new Error(`no ${method} of the server is waiting on the wire`);
    parked.delivered = true;
    if (method === 'tasks/get') this.getIds.add(parked.id);
    await parked.deliver();
  }

  private expectState(state: ClientSnapshot, when: string): void {
    const real = this.actor!.getSnapshot() as ClientSnapshot;
    expect(real.value, `the real client-task actor's state ${when}`).toEqual(state.value);
    expect(real.status, `the real actor's status ${when}`).toBe(state.status);
  }

  private look(model: ClientSnapshot): void {
    const open = this.parked.filter((p) => p.method === 'tasks/result' && !p.withdrawn && !p.delivered).length;
    const real = this.actor!.getSnapshot() as ClientSnapshot;
    this.follow.push({ leaf: clientLeafOf(real), done: real.status === 'done', openResults: open });
    this.model.push({ leaf: clientLeafOf(model), done: model.status === 'done', openResults: open });
  }

  private async setStatus(status: SpecStatus, notify: boolean): Promise<void> {
    if (!this.receiverTask) throw new Error(`the receiver has no task to report ${status} about`);
    const { id, extra } = this.receiverTask;
    const target = notify
      ? extra.taskStore!
      : {
          updateTaskStatus: (i: string, s: SpecStatus, m?: string) => this.store.updateTaskStatus(i, s, m),
          storeTaskResult: (i: string, s: 'completed' | 'failed', r: Result) => this.store.storeTaskResult(i, s, r),
        };
    if (status === 'completed' || status === 'failed') {
      this.storedResult = resultFor(this.combination.input, status);
      await target.storeTaskResult(id, status, this.storedResult);
    } else await target.updateTaskStatus(id, status, `report ${++this.statusCount}`);
  }

  private async cause(event: ClientModelEvent): Promise<void> {
    const type = event.type;
    if (type === 'created') {
      const { extra, resolve } = this.pendingCreate!;
      this.pendingCreate = undefined;
      const task = await this.store.createTask({ ttl: CLIENT_TTL_MS, pollInterval: CLIENT_POLL_MS }, 'model', {
        method: 'model',
        params: {},
      });
      this.receiverTask = { id: task.taskId, extra };
      // Before it answers: the CreateTaskResult shows where its task is by then (no notification yet).
      if (event.task!.status !== 'working') await this.setStatus(event.task!.status, false);
      const answered = (await this.store.getTask(task.taskId))!;
      this.reports.created = answered.status;
      this.reports.received.push({ via: 'created', status: answered.status });
      resolve({ task: answered });
    } else if (type === 'refused') {
      const { reject } = this.pendingCreate!;
      this.pendingCreate = undefined;
      reject(new McpError(-32603, 'the receiver cannot run this request as a task'));
    } else if (type === 'status' && this.combination.reports === 'polls') {
      // Its task moves silently; the poll on the wire (the clock moves one interval if none is) tells.
      if (!this.waiting('tasks/get')) await vi.advanceTimersByTimeAsync(CLIENT_POLL_MS);
      await this.setStatus(event.task!.status, false);
      await this.deliver('tasks/get');
    } else if (type === 'status') {
      await this.setStatus(event.task!.status, true);
    } else if (type === 'lost') {
      if (!this.waiting('tasks/get')) await vi.advanceTimersByTimeAsync(CLIENT_POLL_MS);
      // The receiver no longer knows its task (as after its own ttl): its tasks/get answer is -32602.
      this.store.cleanup();
      await this.deliver('tasks/get');
    } else if (type === 'cancel') {
      this.cancelledServerTask = true;
      await this.client.request({ method: 'tasks/cancel', params: { taskId: this.serverTaskId! } }, SHORT_STATUS);
    } else if (type.includes('.after.pollInterval.')) {
      await vi.advanceTimersByTimeAsync(CLIENT_POLL_MS);
    } else if (type.includes('.after.ttl.')) {
      await vi.advanceTimersByTimeAsync(CLIENT_TTL_MS);
    } else if (type.startsWith('xstate.done.actor.')) {
      // The receiver's task ends (silently: its notification would be a step of its own) and tasks/result answers.
      const current = (await this.store.getTask(this.receiverTask!.id))!;
      if (current.status === 'working' || current.status === 'input_required') await this.setStatus('completed', false);
      await this.deliver('tasks/result');
    } else if (type.startsWith('xstate.error.actor.')) {
      // The receiver dropped its task before the result was fetched: tasks/result answers -32602.
      this.store.cleanup();
      await this.deliver('tasks/result');
    } else throw new Error(`no stimulus for ${type}`);
  }

  private async checkEnd(state: ClientSnapshot): Promise<void> {
    const leaf = clientLeafOf(state);
    const asked = this.asked!;
    await until(() => asked.settled !== undefined, 'the work’s task-augmented request to settle');
    const settled = asked.settled!;
    if (leaf === 'completed')
      expect(settled, 'the work gets the result tasks/result delivered').toEqual({
        ok: true,
        value: expect.objectContaining(this.storedResult),
      });
    else expect(settled.ok, `the work's request after the follow ended ${leaf}`).toBe(false);
    // Nothing the follow opened stays open: a tasks/result never answered is withdrawn.
    for (const p of this.parked.filter((q) => q.method === 'tasks/result' && !q.delivered)) {
      expect(this.withdrawnIds.has(p.id), `tasks/result ${String(p.id)} withdrawn when the follow ended`).toBe(true);
    }
    // The server task ends with the work: cancelled if the path cancelled it, completed otherwise.
    await until(() => this.tasks.liveTaskActors === 0, 'the server task to end');
    const server = await this.client.request({ method: 'tasks/get', params: { taskId: this.serverTaskId! } }, SHORT_STATUS);
    expect(server.status, 'the server task after the follow').toBe(this.cancelledServerTask ? 'cancelled' : 'completed');
  }
}
