/**
 * Model-based paths of the client-task machine (machines/clientTask.ts): generated from its
 * definition with @xstate/graph's getShortestPaths, each run against the real follower
 * (src/engine/ClientTasks.ts followClientTask) through a scripted client channel: every model event
 * becomes the stimulus that causes it at run time (a CreateTaskResult, a status notification, a
 * poll's failure, the work's abort, a timer, tasks/result's answer). After each step the actor's
 * state must be the model's, and the requests it sent to the client (tasks/get, tasks/result,
 * tasks/cancel) must be the ones the step's actions call for; at the end its promise must settle as
 * the final state says. Coverage is computed from the definition.
 */
import { getShortestPaths } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { __unsafe_getAllOwnEventDescriptors, transition } from 'xstate';
import type { InspectionEvent, SnapshotFrom } from 'xstate';
import { z } from 'zod';
import { clientTaskMachine } from '../../machines/clientTask.js';
import type { ClientTaskSnapshot } from '../../machines/clientTask.js';
import { followClientTask } from '../../src/engine/ClientTasks.js';
import { formatCoverage, measureCoverage } from './coverage.js';

type Snapshot = SnapshotFrom<typeof clientTaskMachine>;
type ModelEvent = { type: string; [key: string]: unknown };
interface Step {
  event: ModelEvent;
  state: Snapshot;
}

const POLL_MS = 1_000;
const TTL_MS = 60_000;
const STATUSES = ['working', 'input_required', 'completed', 'failed', 'cancelled'] as const;
const CREATED_AT = new Date(0).toISOString();
const clientTask = (status: ClientTaskSnapshot['status']) => ({
  taskId: 'client-task-1',
  status,
  ttl: TTL_MS,
  pollInterval: POLL_MS,
  createdAt: CREATED_AT,
  lastUpdatedAt: CREATED_AT,
});
const ANSWER = { action: 'accept', content: { ok: true } };

/** The concrete events offered for each event type a state accepts; an unknown type fails the generation. */
function modelEvents(snapshot: Snapshot): ModelEvent[] {
  return __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type): ModelEvent[] => {
    if (type === 'created' || type === 'status') return STATUSES.map((status) => ({ type, task: clientTask(status) }));
    if (type === 'refused' || type === 'lost') return [{ type, error: { code: -32603, message: `${type} in the model` } }];
    if (type === 'cancel') return [{ type, reason: 'The server no longer needs the answer' }];
    if (type.startsWith('xstate.after.')) return [{ type }];
    if (type.startsWith('xstate.done.actor.')) return [{ type, output: ANSWER }];
    if (type.startsWith('xstate.error.actor.')) return [{ type, error: { code: -32603, message: 'tasks/result failed' } }];
    throw new Error(`the client-task machine accepts '${type}' but the model has no stimulus for it`);
  });
}

const stateKey = (s: Snapshot): string => JSON.stringify([s.value, s.context.task?.status]);
const eventKey = (e: ModelEvent): string => JSON.stringify(e);
const leaf = (s: Snapshot): string => (typeof s.value === 'string' ? s.value : JSON.stringify(s.value));
const label = (e: ModelEvent): string => {
  if (e.type.startsWith('xstate.after.')) return `after ${e.type.split('.')[2]}`;
  if (e.type.startsWith('xstate.done.actor.')) return 'tasks/result answered';
  if (e.type.startsWith('xstate.error.actor.')) return 'tasks/result failed';
  const task = e['task'] as { status?: string } | undefined;
  return task ? `${e.type}(${task.status})` : e.type;
};

function generatePaths(): { description: string; steps: Step[] }[] {
  const paths = getShortestPaths(clientTaskMachine, {
    input: { defaultPollInterval: POLL_MS },
    events: (snapshot) => modelEvents(snapshot as Snapshot) as never,
    // A node is "a state reached by this event from that state": the shortest paths then cross every edge.
    serializeState: (snapshot, event, previous) =>
      event && previous
        ? `${stateKey(snapshot as Snapshot)} via ${eventKey(event as ModelEvent)} from ${stateKey(previous as Snapshot)}`
        : stateKey(snapshot as Snapshot),
    serializeEvent: (event) => eventKey(event as ModelEvent),
  }) as StatePath<Snapshot, ModelEvent>[];
  const all = paths.map((p) => p.steps as Step[]);
  // A path that is the prefix of a longer one is checked by the longer one.
  const keys = all.map((steps) => steps.slice(1).map((s) => eventKey(s.event)));
  const kept = all.filter(
    (_, i) => !keys.some((other, j) => j !== i && other.length > keys[i]!.length && keys[i]!.every((k, n) => other[n] === k)),
  );
  return kept
    .map((steps) => ({
      description: steps.map((s, i) => (i === 0 ? leaf(s.state) : `—${label(s.event)}→ ${leaf(s.state)}`)).join(' '),
      steps,
    }))
    .sort((a, b) => a.steps.length - b.steps.length || a.description.localeCompare(b.description));
}

interface SentRequest {
  method: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  /** Answered by the scripted client. */
  answered?: boolean;
}

/** The real follower with a scripted client behind its channel. */
class PathRun {
  readonly sent: SentRequest[] = [];
  private created: { resolve(value: unknown): void; reject(error: unknown): void } | undefined;
  private listener: ((task: ClientTaskSnapshot) => void) | undefined;
  private readonly abort = new AbortController();
  value: unknown;
  settled: { ok: boolean; value: unknown } | undefined;

  constructor() {
    const inspect = (event: InspectionEvent): void => {
      if (event.type === '@xstate.snapshot' && (event.actorRef as { id?: string }).id?.startsWith('clientTask-'))
        this.value = (event.snapshot as Snapshot).value;
    };
    followClientTask(
      { parent: () => undefined, defaultPollInterval: POLL_MS, logger: { warn: () => {} }, inspect },
      {
        create: () => new Promise((resolve, reject) => (this.created = { resolve, reject })),
        channel: {
          request: (request, _schema, options) =>
            new Promise((resolve, reject) => this.sent.push({ method: request.method, resolve, reject, signal: options?.signal })) as never,
          onTaskStatus: (listener) => {
            this.listener = listener;
            return () => (this.listener = undefined);
          },
        },
        capabilities: { tasks: { cancel: {} } },
        resultSchema: z.unknown(),
        signal: this.abort.signal,
      },
    ).then(
      (value) => (this.settled = { ok: true, value }),
      (error: unknown) => (this.settled = { ok: false, value: error }),
    );
  }

  count(method: string): number {
    return this.sent.filter((r) => r.method === method).length;
  }

  private pending(method: string): SentRequest {
    const request = [...this.sent].reverse().find((r) => r.method === method && !r.signal?.aborted);
    if (!request) throw new Error(`no ${method} is waiting for the client`);
    request.answered = true;
    return request;
  }

  /** Causes `event` the way it happens at run time. */
  async cause(event: ModelEvent): Promise<void> {
    const type = event.type;
    if (type === 'created') this.created!.resolve({ task: event['task'] });
    else if (type === 'refused') this.created!.reject(event['error']);
    else if (type === 'status') this.listener!(event['task'] as ClientTaskSnapshot);
    else if (type === 'lost') {
      // Only a poll's failure says it: the poll that the next interval sends.
      await vi.advanceTimersByTimeAsync(POLL_MS);
      this.pending('tasks/get').reject(event['error']);
    } else if (type === 'cancel') this.abort.abort();
    else if (type.includes('.after.pollInterval.')) await vi.advanceTimersByTimeAsync(POLL_MS);
    else if (type.includes('.after.ttl.')) await vi.advanceTimersByTimeAsync(TTL_MS);
    else if (type.startsWith('xstate.done.actor.')) this.pending('tasks/result').resolve(event['output']);
    else if (type.startsWith('xstate.error.actor.')) this.pending('tasks/result').reject(event['error']);
    else throw new Error(`no stimulus for ${type}`);
    await vi.advanceTimersByTimeAsync(0);
  }
}

async function runPath(steps: Step[]): Promise<void> {
  const run = new PathRun();
  await vi.advanceTimersByTimeAsync(0);
  let before = steps[0]!.state;
  expect(run.value).toEqual(before.value);
  for (const step of steps.slice(1)) {
    const [, actions] = transition(clientTaskMachine, before, step.event as never);
    const types = actions.map((a) => a.type);
    const counts = { get: run.count('tasks/get'), result: run.count('tasks/result'), cancel: run.count('tasks/cancel') };
    await run.cause(step.event);
    expect(run.value, `after ${label(step.event)}`).toEqual(step.state.value);
    expect(run.count('tasks/cancel') - counts.cancel, 'tasks/cancel sent').toBe(types.filter((t) => t === 'cancelRemote').length);
    expect(run.count('tasks/result') - counts.result, 'tasks/result sent').toBe(types.filter((t) => t === 'xstate.spawnChild').length);
    // A ttl step runs the clock through many poll intervals; elsewhere one poll per `poll` action.
    if (!step.event.type.includes('.after.ttl.')) {
      const polls = types.filter((t) => t === 'poll').length + (step.event.type === 'lost' ? 1 : 0);
      expect(run.count('tasks/get') - counts.get, 'tasks/get sent').toBe(polls);
    }
    before = step.state;
  }
  const final = before.status === 'done' ? leaf(before) : undefined;
  if (final === undefined) expect(run.settled).toBeUndefined();
  else {
    expect(run.settled?.ok, `the follow's promise after ${final}`).toBe(final === 'completed');
    if (final === 'completed') expect(run.settled?.value).toEqual(ANSWER);
  }
  // A tasks/result still open when the actor ends is aborted with it.
  if (final !== undefined) {
    const open = run.sent.filter((r) => r.method === 'tasks/result' && !r.answered);
    expect(open.every((r) => r.signal?.aborted)).toBe(true);
  }
}

const paths = generatePaths();

describe('client-task machine paths, against the real follower', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());
  for (const path of paths) it(path.description, () => runPath(path.steps));
});

describe('client-task machine coverage', () => {
  it('the generated paths visit 100% of the states and transitions of the definition', () => {
    const steps = paths.flatMap((p) =>
      p.steps.slice(1).map((step, i) => ({ before: p.steps[i]!.state, event: step.event, after: step.state })),
    );
    const report = measureCoverage(clientTaskMachine, steps as never, paths[0]!.steps[0]!.state._nodes);
    console.info(`client-task machine coverage by ${paths.length} generated paths: ${formatCoverage(report)}`);
    expect(report.states.missing).toEqual([]);
    expect(report.transitions.missing).toEqual([]);
  });
});
