import { toDirectedGraph } from '@xstate/graph';
import type { DirectedGraphNode } from '@xstate/graph';
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One state of a machine, as the diagrams draw it. */
export interface StateBox {
  /** XState's id, e.g. `task.running.working` (what live snapshots are matched against). */
  id: string;
  /** The state's own key, e.g. `working`. */
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Id of the initial child of a compound state. */
  initial: string | undefined;
  /** `src` of every actor the state invokes. */
  invokes: string[];
  children: StateBox[];
}

/** One transition (one target of it), labelled for people. */
export interface TransitionLine {
  /** Id of the state that declares it; the machine's own id for machine-level transitions. */
  source: string;
  /** Id of the target; the source itself for transitions that only run actions. */
  target: string;
  /** True when the transition has no target (actions only). */
  targetless: boolean;
  /** The raw event type, e.g. `xstate.done.actor.0.task.running`. */
  event: string;
  /** The event for people: `work done` for an invoked actor's completion, `after 5000ms`… */
  label: string;
  guard: string | undefined;
  actions: string[];
}

/** A machine reduced to what the Mermaid and SVG renderers need, in definition order. */
export interface MachineGraph {
  id: string;
  /** The machine's top-level states. */
  states: StateBox[];
  initial: string | undefined;
  /** `src` of actors the machine itself invokes. */
  invokes: string[];
  transitions: TransitionLine[];
}

/** Reads a machine definition (via `@xstate/graph`'s `toDirectedGraph`) into a {@link MachineGraph}. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const graph = toDirectedGraph(machine);
  const transitions: TransitionLine[] = [];
  const collect = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) {
      const transition = edge.transition;
      const event = transition.eventType;
      transitions.push({
        source: edge.source.id,
        target: edge.target.id,
        targetless: transition.target === undefined || transition.target.length === 0,
        event,
        label: eventLabel(edge.source, event),
        guard: guardName(transition.guard),
        actions: transition.actions.map(actionName),
      });
    }
    for (const child of node.children) collect(child);
  };
  collect(graph);
  return {
    id: machine.id,
    states: graph.children.map(toBox),
    initial: initialOf(machine.root),
    invokes: machine.root.invoke.map(invokeName),
    transitions,
  };
}

function toBox(node: DirectedGraphNode): StateBox {
  const state = node.stateNode;
  return {
    id: state.id,
    key: state.key,
    type: state.type,
    initial: initialOf(state),
    invokes: state.invoke.map(invokeName),
    children: node.children.map(toBox),
  };
}

function initialOf(state: AnyStateNode): string | undefined {
  return state.type === 'compound' ? state.initial?.target[0]?.id : undefined;
}

function invokeName(invoke: { src: unknown; id: string }): string {
  return typeof invoke.src === 'string' ? invoke.src : invoke.id;
}

/** `xstate.done.actor.<id>` of an actor invoked on the state (or an ancestor) reads as `<src> done`. */
function eventLabel(source: AnyStateNode, event: string): string {
  for (const [prefix, word] of [
    ['xstate.done.actor.', 'done'],
    ['xstate.error.actor.', 'error'],
  ] as const) {
    if (!event.startsWith(prefix)) continue;
    const actorId = event.slice(prefix.length);
    for (let state: AnyStateNode | undefined = source; state; state = state.parent) {
      const invoke = state.invoke.find((candidate) => candidate.id === actorId);
      if (invoke) return `${invokeName(invoke)} ${word}`;
    }
    return `${actorId} ${word}`;
  }
  if (event.startsWith('xstate.after.')) return `after ${event.slice('xstate.after.'.length).split('.')[0]}ms`;
  return event === '' ? 'always' : event;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  return String((guard as { type?: unknown }).type ?? 'guard');
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  const type = (action as { type?: unknown }).type;
  const name = typeof type === 'string' ? type : typeof action === 'function' ? action.name : 'action';
  return name.startsWith('xstate.') ? name.slice('xstate.'.length) : name;
}

/** Every state of the graph, depth first, with its parent's id (undefined at the top). */
export function allStates(graph: MachineGraph): { box: StateBox; parent: string | undefined }[] {
  const out: { box: StateBox; parent: string | undefined }[] = [];
  const walk = (boxes: StateBox[], parent: string | undefined): void => {
    for (const box of boxes) {
      out.push({ box, parent });
      walk(box.children, box.id);
    }
  };
  walk(graph.states, undefined);
  return out;
}
