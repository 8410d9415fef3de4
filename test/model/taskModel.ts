import { getShortestPaths } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors, transition } from 'xstate';
import type { AnyStateMachine, AnyStateNode, SnapshotFrom } from 'xstate';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { taskMachine } from '../../machines/task.js';
import { edgeKey, measureCoverage } from './coverage.js';
import type { AnnounceParams, SettleParams, TaskMachineEvent } from '../../machines/task.js';

/** A snapshot of the task machine, as the graph traversal produces them. */
export type TaskSnapshot = SnapshotFrom<typeof taskMachine>;

/** What a model path makes the work throw: a plain Error or a JSON-RPC error. */
export type Thrown = { kind: 'error'; message: string } | { kind: 'mcpError'; code: number; message: string };

/** The work's completion, as the engine reports it to the machine. */
export interface WorkDoneEvent {
  type: 'work.done';
  output: CallToolResult;
}

/** The work's failure, as the engine reports it to the machine. */
export interface WorkErrorEvent {
  type: 'work.error';
  error: Thrown;
}

/** Every event a model path can contain. */
export type ModelEvent = TaskMachineEvent | WorkDoneEvent | WorkErrorEvent;

/** One step of a path: the event, then the state the machine is in after it. */
export interface ModelStep {
  event: ModelEvent | { type: 'xstate.init' };
  state: TaskSnapshot;
}

/** Bound on concurrently pending input requests per task: keeps the (context-carrying) graph finite. */
export const MAX_PENDING_INPUTS = 2;

/**
 * Event types of the work's own ending, as the machine receives them (the engine runs the work and
 * sends them); checked against the definition, so a rename fails here rather than silently.
 */
export function workEventTypes(machine: AnyStateMachine = taskMachine) {
  const running = (machine.root.states as Record<string, AnyStateNode | undefined>)['running'];
  const accepted = running ? Object.keys(running.on) : [];
  if (!accepted.includes('work.done') || !accepted.includes('work.error')) {
    throw new Error('the task machine no longer takes the end of its work as `work.done` / `work.error`');
  }
  return { done: 'work.done', error: 'work.error' } as const;
}

const WORK = workEventTypes();

/** The result every model path's work returns on `work.done`. */
export const MODEL_RESULT: CallToolResult = { content: [{ type: 'text', text: 'model work finished' }] };

/** The two kinds of throw the model distinguishes (the spec turns them into different outcomes). */
export const MODEL_THROWS: readonly Thrown[] = [
  { kind: 'error', message: 'model work threw' },
  { kind: 'mcpError', code: -32001, message: 'model work refused' },
];

/** The reasons the engine gives for the two events it generates itself. */
export const CANCEL_REASON = 'Cancelled by the client';
export const SHUTDOWN_REASON = 'Server shut down before the task finished';

/**
 * The concrete events offered in a state, one list per event type the state accepts. A type the
 * state accepts but no entry here knows makes the generator throw: a new event in the machine
 * must get a protocol mapping before the suite passes again.
 */
const payloads: Record<string, (snapshot: TaskSnapshot) => ModelEvent[]> = {
  'work.status': (s) => [{ type: 'work.status', message: `progress while ${leafOf(s)}` }],
  'input.request': (s) => {
    const waiting = s.context.waitingFor;
    if (waiting.length >= MAX_PENDING_INPUTS) return [];
    const requestId = ['q1', 'q2', 'q3'].find((id) => !waiting.includes(id))!;
    return [{ type: 'input.request', requestId }];
  },
  'input.response': (s) => s.context.waitingFor.map((requestId) => ({ type: 'input.response', requestId, result: { answer: requestId } })),
  'input.error': (s) => s.context.waitingFor.map((requestId) => ({ type: 'input.error', requestId, error: { code: -32001 } })),
  cancel: () => [{ type: 'cancel', reason: CANCEL_REASON }],
  shutdown: () => [{ type: 'shutdown', reason: SHUTDOWN_REASON }],
  expire: () => [{ type: 'expire' }],
  [WORK.done]: () => [{ type: WORK.done as WorkDoneEvent['type'], output: MODEL_RESULT }],
  [WORK.error]: () => MODEL_THROWS.map((error) => ({ type: WORK.error as WorkErrorEvent['type'], error })),
};

/**
 * The events the model offers in `snapshot`: every event type the state accepts, with payloads.
 * `unreachable`: event types a protocol binding cannot cause (their edges are then named unreachable there).
 */
export function modelEvents(snapshot: TaskSnapshot, unreachable: readonly string[] = []): ModelEvent[] {
  return __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type) => {
    const make = payloads[type];
    if (!make) throw new Error(`the task machine accepts '${type}' but the model has no protocol mapping for it`);
    return unreachable.includes(type) ? [] : make(snapshot);
  });
}

/** The spec status (or `expired`) a snapshot stands for: its leaf state. */
export function leafOf(snapshot: TaskSnapshot): string {
  const value = snapshot.value;
  return typeof value === 'string' ? value : Object.values(value)[0]!;
}

/** A short, readable name of an event for test titles. */
export function labelOf(event: ModelStep['event']): string {
  if (event.type === WORK.done) return 'work.done';
  if (event.type === WORK.error) return `work.throw(${(event as WorkErrorEvent).error.kind})`;
  if ('requestId' in event) return `${event.type}(${event.requestId})`;
  return event.type;
}

function stateKey(snapshot: TaskSnapshot): string {
  return JSON.stringify([snapshot.value, snapshot.context.waitingFor]);
}

function eventKey(event: ModelEvent): string {
  return JSON.stringify(event);
}

/**
 * Each graph node is "a state, reached by this event from that state", so a shortest path to every
 * node is a set of paths that crosses every concrete edge at least once (an edge cover), not only
 * one that visits every state.
 */
function serializeTransition(snapshot: TaskSnapshot, event: ModelEvent | undefined, previous?: TaskSnapshot): string {
  const here = stateKey(snapshot);
  return event && previous ? `${here} via ${eventKey(event)} from ${stateKey(previous)}` : here;
}

/** Drops every path that is a prefix of a longer one: the longer run checks the same states on the way. */
function withoutPrefixes(paths: ModelStep[][]): ModelStep[][] {
  const keyed = paths
    .map((steps) => ({ steps, keys: steps.slice(1).map((s) => eventKey(s.event as ModelEvent)) }))
    .sort((a, b) => b.keys.length - a.keys.length);
  const kept: typeof keyed = [];
  for (const path of keyed) {
    const isPrefix = kept.some((longer) => path.keys.every((key, i) => longer.keys[i] === key));
    if (!isPrefix) kept.push(path);
  }
  return kept.map((p) => p.steps);
}

/** A generated path with its title. */
export interface ModelPath {
  description: string;
  steps: ModelStep[];
}

/** Title of a path: the lifecycle it walks, e.g. `working —work.done→ completed`. */
export function describePath(steps: readonly ModelStep[]): string {
  return steps.map((step, i) => (i === 0 ? leafOf(step.state) : `—${labelOf(step.event)}→ ${leafOf(step.state)}`)).join(' ');
}

/**
 * Generates the paths of the task machine that runs in production (`machines/task.ts`, the very
 * object `TaskEngine` provides its actions to), with `@xstate/graph`'s `getShortestPaths`.
 */
export function generateTaskPaths(machine: AnyStateMachine = taskMachine, unreachable: readonly string[] = []): ModelPath[] {
  const paths = getShortestPaths(machine, {
    events: (snapshot) => modelEvents(snapshot as TaskSnapshot, unreachable),
    serializeState: (snapshot, event, previous) =>
      serializeTransition(snapshot as TaskSnapshot, event as ModelEvent | undefined, previous as TaskSnapshot | undefined),
    serializeEvent: (event) => eventKey(event as ModelEvent),
  }) as StatePath<TaskSnapshot, ModelEvent>[];
  return withoutPrefixes(paths.map((path) => path.steps as ModelStep[]))
    .map((steps) => ({ description: describePath(steps), steps }))
    .sort((a, b) => a.steps.length - b.steps.length || a.description.localeCompare(b.description));
}

/** What the model says the client must observe after one step. */
export interface Prediction {
  /** `notifications/tasks/status` the step causes, as [status, statusMessage]. */
  notifications: [string, string | undefined][];
  /** Input requests the step answers, with the answer or error. */
  answered: { requestId: string; ok: boolean }[];
  /** The task is deleted (ttl): no record, no result. */
  discarded: boolean;
}

/** The statusMessage the engine stores when it settles a task this way. */
export function settleMessage(params: SettleParams): string | undefined {
  switch (params.status) {
    case 'completed':
      return undefined;
    case 'cancelled':
      return params.reason ?? CANCEL_REASON;
    case 'failed':
      return 'shutdown' in params ? params.shutdown : (params.error as Thrown).message;
  }
}

/**
 * Runs the step on the machine itself (xstate's pure `transition`) and reads the executed actions:
 * `announce`/`settle` become the notifications the client must see, `answer` the input calls that
 * must resolve, `discard` the deletion at the end of the ttl.
 */
export function predict(before: TaskSnapshot, event: ModelEvent): Prediction {
  const [, actions] = transition(taskMachine, before, event as TaskMachineEvent);
  const prediction: Prediction = { notifications: [], answered: [], discarded: false };
  for (const action of actions as { type: string; params?: unknown }[]) {
    if (action.type === 'announce') {
      const params = action.params as AnnounceParams;
      prediction.notifications.push([params.status, params.message]);
    } else if (action.type === 'settle') {
      const params = action.params as SettleParams;
      prediction.notifications.push([params.status, settleMessage(params)]);
    } else if (action.type === 'answer') {
      const params = action.params as { requestId: string; error?: unknown };
      prediction.answered.push({ requestId: params.requestId, ok: params.error === undefined });
    } else if (action.type === 'discard') {
      prediction.discarded = true;
    }
  }
  return prediction;
}

/** The transition candidates a path crosses, asked of the machine step by step (guards decide). */
export function pathEdges(path: ModelPath, label?: (eventType: string) => string): string[] {
  return path.steps
    .slice(1)
    .flatMap((step, i) =>
      taskMachine.getTransitionData(path.steps[i]!.state, step.event as TaskMachineEvent).map((t) => edgeKey(t, label)),
    );
}

/** States and transitions of `machine`'s definition that `paths` visit (see `measureCoverage`). */
export function coverageOfPaths(machine: AnyStateMachine, paths: readonly ModelPath[], label?: (eventType: string) => string) {
  const steps = paths.flatMap((path) =>
    path.steps.slice(1).map((step, i) => ({ before: path.steps[i]!.state, event: step.event, after: step.state })),
  );
  const first = paths[0]?.steps[0];
  if (!first) throw new Error('no paths to measure');
  return measureCoverage(machine, steps, first.state._nodes, label);
}
