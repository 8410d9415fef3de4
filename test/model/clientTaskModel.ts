/**
 * Path generation over the client-task machine (machines/clientTask.ts), the production object:
 * `getShortestPaths` with the event types each state accepts asked of the machine, a concrete
 * payload for each, and the coverage of the paths computed by coverage.ts from the definition.
 *
 * The client in these paths is a receiver that keeps the spec: it reports only the statuses the
 * spec's table (specOracle.ts) allows after the last one it reported, and nothing after a terminal
 * one. So the table is the environment's rule here, and the machine's answers to it are what the
 * oracle checks (clientTaskOracle.ts).
 */
import { getShortestPaths } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import type { AnyStateMachine, EventObject, SnapshotFrom } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import type { ClientTaskSnapshot } from '../../machines/clientTask.js';
import { definedEdges, edgeKey, measureCoverage } from './coverage.js';
import type { CoverageReport } from './coverage.js';
import { SPEC_TASK_RULES } from './specOracle.js';
import type { SpecStatus } from './specOracle.js';

export type ClientSnapshot = SnapshotFrom<typeof clientTaskMachine>;
export type ClientModelEvent = EventObject & { task?: Pick<ClientTaskSnapshot, 'status'>; [key: string]: unknown };

export interface ClientModelStep {
  event: ClientModelEvent;
  state: ClientSnapshot;
}

export interface ClientModelPath {
  description: string;
  steps: ClientModelStep[];
}

/** The client's poll interval and ttl in every path (ms of the fake clock). */
export const CLIENT_POLL_MS = 1_000;
/** Below the SDK's 60 s request timeout, so a parked `tasks/get` never times out before the ttl ends the follow. */
export const CLIENT_TTL_MS = 30_000;
const STATUSES = Object.keys(SPEC_TASK_RULES.moves) as SpecStatus[];

/** The invoked `result` actor's done and error event types, found in the definition rather than written here. */
export function resultEventTypes(machine: AnyStateMachine = clientTaskMachine): { done: string; error: string } {
  const types = new Set<string>();
  const visit = (node: AnyStateMachine['root']): void => {
    for (const type of node.transitions.keys())
      if (type.startsWith('xstate.done.actor.') || type.startsWith('xstate.error.actor.')) types.add(type);
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  const done = [...types].filter((t) => t.startsWith('xstate.done.actor.'));
  const error = [...types].filter((t) => t.startsWith('xstate.error.actor.'));
  return { done: done[0] ?? 'xstate.done.actor.(none)', error: error[0] ?? 'xstate.error.actor.(none)' };
}

/** Readable event names in edge keys: the invoke's events as `result.done` / `result.error`, timers by their delay. */
export function clientEdgeLabel(eventType: string): string {
  if (eventType.startsWith('xstate.done.actor.')) return 'result.done';
  if (eventType.startsWith('xstate.error.actor.')) return 'result.error';
  if (eventType.startsWith('xstate.after.')) return `after ${eventType.split('.')[2]}`;
  return eventType;
}

/** The statuses a spec-keeping client may report next, after the last one the follower remembers. */
export function reportableStatuses(snapshot: ClientSnapshot): SpecStatus[] {
  const last = snapshot.context.task?.status;
  if (last === undefined) return STATUSES;
  return [...(SPEC_TASK_RULES.moves[last] as readonly SpecStatus[])];
}

/** An event type a combination cannot cause while the machine is in a state, with why. */
export interface ClientUnreachable {
  /** The state node's id, e.g. `clientTask.active.input_required`. */
  state: string;
  eventType: string;
  /**
   * Only the candidate this guard picks (its label in the edge key): the event itself can happen
   * there, but never in a context that passes the guard. Without it, the event cannot happen at all.
   */
  guard?: string;
  why: string;
}

/** The concrete events offered for each event type a state accepts; an unknown type fails the generation. */
export function clientModelEvents(snapshot: ClientSnapshot, unreachable: readonly ClientUnreachable[] = []): ClientModelEvent[] {
  const blocked = unreachable
    .filter((u) => u.guard === undefined && snapshot._nodes.some((node) => node.id === u.state))
    .map((u) => u.eventType);
  return __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type): ClientModelEvent[] => {
    if (blocked.includes(type)) return [];
    if (type === 'created') return STATUSES.map((status) => ({ type, task: { status } }));
    if (type === 'status') return reportableStatuses(snapshot).map((status) => ({ type, task: { status } }));
    if (type === 'refused' || type === 'lost' || type === 'answered') return [{ type }];
    if (type === 'cancel') return [{ type }];
    if (type.startsWith('xstate.after.') || type.startsWith('xstate.done.actor.') || type.startsWith('xstate.error.actor.'))
      return [{ type }];
    throw new Error(`the client-task machine accepts '${type}' but the model has no stimulus for it`);
  });
}

/** The event as the machine needs it: a status event carries a whole task (id, ttl, poll interval). */
export function machineEvent(event: ClientModelEvent): EventObject {
  if (!event.task) return event;
  const task = { taskId: 'model-task', status: event.task.status, ttl: CLIENT_TTL_MS, pollInterval: CLIENT_POLL_MS };
  return { type: event.type, task } as EventObject;
}

const stateKey = (s: ClientSnapshot): string => JSON.stringify([s.value, s.context.task?.status, s.status]);
const eventKey = (e: ClientModelEvent): string => JSON.stringify([e.type, e.task?.status]);
const leaf = (s: ClientSnapshot): string => (typeof s.value === 'string' ? s.value : JSON.stringify(s.value));

/** A step's name in a test title: `created(working)`, `after pollInterval`, `result.done`. */
export function clientLabel(event: ClientModelEvent): string {
  const name = clientEdgeLabel(event.type);
  return event.task ? `${name}(${event.task.status})` : name;
}

/**
 * The machine's shortest paths to every "state reached by this event from that state" node, so
 * the paths cross every concrete edge; a path that is the prefix of a longer one is dropped.
 */
export function generateClientTaskPaths(
  machine: AnyStateMachine = clientTaskMachine,
  unreachable: readonly ClientUnreachable[] = [],
): ClientModelPath[] {
  const paths = getShortestPaths(machine, {
    input: { defaultPollInterval: CLIENT_POLL_MS },
    events: (snapshot) => clientModelEvents(snapshot as ClientSnapshot, unreachable).map(machineEvent) as never,
    serializeState: (snapshot, event, previous) =>
      event && previous
        ? `${stateKey(snapshot as ClientSnapshot)} via ${eventKey(event as ClientModelEvent)} from ${stateKey(previous as ClientSnapshot)}`
        : stateKey(snapshot as ClientSnapshot),
    serializeEvent: (event) => eventKey(event as ClientModelEvent),
  }) as StatePath<ClientSnapshot, ClientModelEvent>[];
  const all = paths.map((p) => p.steps as ClientModelStep[]);
  const keys = all.map((steps) => steps.slice(1).map((s) => eventKey(s.event)));
  const kept = all.filter(
    (_, i) => !keys.some((other, j) => j !== i && other.length > keys[i]!.length && keys[i]!.every((k, n) => other[n] === k)),
  );
  return kept
    .map((steps) => ({
      description: steps.map((s, i) => (i === 0 ? leaf(s.state) : `—${clientLabel(s.event)}→ ${leaf(s.state)}`)).join(' '),
      steps,
    }))
    .sort((a, b) => a.steps.length - b.steps.length || a.description.localeCompare(b.description));
}

/** The edges (coverage.ts keys) one step crosses, as the machine's own `getTransitionData` says. */
export function stepEdges(machine: AnyStateMachine, before: ClientSnapshot, event: ClientModelEvent): string[] {
  return machine.getTransitionData(before, machineEvent(event) as never).map((t) => edgeKey(t, clientEdgeLabel));
}

/** The transition candidates of the definition that start in an unreachable (state, event type) pair: what coverage may miss. */
export function clientUnreachableEdges(machine: AnyStateMachine, unreachable: readonly ClientUnreachable[]): string[] {
  return definedEdges(machine, clientEdgeLabel)
    .filter((edge) =>
      unreachable.some(
        (u) => u.state === edge.source && u.eventType === edge.eventType && (u.guard === undefined || edge.key.includes(`[${u.guard}]`)),
      ),
    )
    .map((edge) => edge.key);
}

/** States and transition candidates of `machine`'s definition the paths visit. */
export function clientCoverageOfPaths(machine: AnyStateMachine, paths: readonly ClientModelPath[]): CoverageReport {
  const steps = paths.flatMap((path) =>
    path.steps.slice(1).map((step, i) => ({ before: path.steps[i]!.state, event: machineEvent(step.event), after: step.state })),
  );
  const first = paths[0]?.steps[0];
  if (!first) throw new Error('no paths to measure');
  return measureCoverage(machine, steps, first.state._nodes, clientEdgeLabel);
}

/** The leaf state's name: `requested`, `working`, `retrieving`, `completed`, … */
export function clientLeafOf(snapshot: { value: unknown }): string {
  let value = snapshot.value;
  while (typeof value === 'object' && value !== null) value = Object.values(value)[0];
  return String(value);
}
