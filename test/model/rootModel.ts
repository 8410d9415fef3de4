import { getSimplePaths } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import type { AnyStateMachine, EventObject, SnapshotFrom } from 'xstate';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import type { TaskSupportEvent } from '../../machines/taskSupport.js';
import { edgeKey, measureCoverage } from './coverage.js';
import type { CoverageReport } from './coverage.js';

/** A snapshot of the root TaskSupport machine. */
export type RootSnapshot = SnapshotFrom<typeof taskSupportMachine>;

/** The supervisor's completion, as the root receives it (found in the definition, not hard-coded). */
export const SUPERVISOR_DONE = `xstate.done.actor.${taskSupportMachine.root.invoke.find((i) => i.src === 'supervisor')!.id}`;

/** Every event a root path can contain. */
export type RootEvent = TaskSupportEvent | { type: typeof SUPERVISOR_DONE };

/** One step: the event, then the root state after it. */
export interface RootStep {
  event: RootEvent | { type: 'xstate.init' };
  state: RootSnapshot;
}

/** A generated root path with its title. */
export interface RootPath {
  description: string;
  steps: RootStep[];
}

const MODEL_TASK = 't1';

/**
 * Concrete root events per event type. Two constraints of the real system shape the offer:
 * the supervisor is done only after `close` drained it (its own comment in the machine), so its
 * done event is offered in `closing` only; and nothing but that done event is offered in `closing`,
 * because the drain runs synchronously inside `close` — no request can land in between (a test
 * below shows it, and the coverage report names the edge this leaves out).
 */
const payloads: Record<string, (snapshot: RootSnapshot) => RootEvent[]> = {
  'task.start': (s) => (s.matches('running') ? [{ type: 'task.start', taskId: MODEL_TASK }] : []),
  'task.send': (s) =>
    s.matches('running') ? [{ type: 'task.send', taskId: MODEL_TASK, event: { type: 'cancel', reason: 'model cancel' } }] : [],
  close: () => [{ type: 'close', reason: 'model close' }],
  [SUPERVISOR_DONE]: (s) => (s.matches('closing') ? [{ type: SUPERVISOR_DONE }] : []),
};

function rootEvents(snapshot: RootSnapshot): RootEvent[] {
  return __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type) => {
    const make = payloads[type];
    if (!make) throw new Error(`the root machine accepts '${type}' but the model has no protocol mapping for it`);
    return make(snapshot);
  });
}

/** Readable event names for titles and edge keys. */
export function rootLabel(eventType: string): string {
  return eventType === SUPERVISOR_DONE ? 'supervisor.done' : eventType;
}

function valueOf(snapshot: RootSnapshot): string {
  return String(snapshot.value);
}

/** A path only makes sense to the protocol if a task exists before an event is routed to it. */
function startsBeforeSending(steps: readonly RootStep[]): boolean {
  const firstStart = steps.findIndex((s) => s.event.type === 'task.start');
  const firstSend = steps.findIndex((s) => s.event.type === 'task.send');
  return firstSend === -1 || (firstStart !== -1 && firstStart < firstSend);
}

/**
 * Simple paths (no node twice) of the root machine, where a node is "a state reached by this event
 * from that state", so every path runs each kind of step at most once; prefixes of longer paths
 * and paths that route to a task before starting one are dropped.
 */
export function generateRootPaths(machine: AnyStateMachine = taskSupportMachine): RootPath[] {
  const key = (s: RootSnapshot) => valueOf(s);
  const paths = getSimplePaths(machine, {
    events: (snapshot) => rootEvents(snapshot as RootSnapshot),
    serializeState: (snapshot, event, previous) =>
      event && previous
        ? `${key(snapshot as RootSnapshot)} via ${(event as EventObject).type} from ${key(previous as RootSnapshot)}`
        : key(snapshot as RootSnapshot),
    serializeEvent: (event) => JSON.stringify(event),
  }) as StatePath<RootSnapshot, RootEvent>[];
  const all = paths.map((p) => p.steps as RootStep[]).filter(startsBeforeSending);
  const types = (steps: readonly RootStep[]) => steps.slice(1).map((s) => s.event.type);
  const kept = all
    .sort((a, b) => b.length - a.length)
    .filter((steps, i, sorted) => !sorted.slice(0, i).some((longer) => types(steps).every((t, j) => types(longer)[j] === t)));
  return kept
    .map((steps) => ({
      steps,
      description: steps.map((s, i) => (i === 0 ? valueOf(s.state) : `—${rootLabel(s.event.type)}→ ${valueOf(s.state)}`)).join(' '),
    }))
    .sort((a, b) => a.steps.length - b.steps.length || a.description.localeCompare(b.description));
}

/** The root transitions a path crosses, asked of the machine. */
export function rootPathEdges(path: RootPath): string[] {
  return path.steps
    .slice(1)
    .flatMap((step, i) =>
      taskSupportMachine.getTransitionData(path.steps[i]!.state, step.event as TaskSupportEvent).map((t) => edgeKey(t, rootLabel)),
    );
}

/** Coverage of the root definition by `paths`. */
export function rootCoverage(paths: readonly RootPath[]): CoverageReport {
  const steps = paths.flatMap((path) =>
    path.steps.slice(1).map((step, i) => ({ before: path.steps[i]!.state, event: step.event, after: step.state })),
  );
  return measureCoverage(taskSupportMachine, steps, paths[0]!.steps[0]!.state._nodes, rootLabel);
}
