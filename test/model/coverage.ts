import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, EventObject } from 'xstate';

/** One edge of a machine definition: a transition candidate of a state node for an event type. */
export interface DefinedEdge {
  key: string;
  source: string;
  eventType: string;
}

/** Coverage of one dimension (states or transitions). */
export interface CoverageFigures {
  defined: number;
  visited: number;
  missing: string[];
  percent: number;
}

/** What a set of paths visits of a machine definition. */
export interface CoverageReport {
  states: CoverageFigures;
  transitions: CoverageFigures;
}

/** Every state node of the definition (the root excluded), by id. */
export function definedStates(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states)) {
      ids.push(child.id);
      visit(child);
    }
  };
  visit(machine.root);
  return ids;
}

/**
 * The key of a transition candidate: source state, event type, and — when several candidates
 * share the event — the guard that picks this one (or its position), plus where it goes.
 */
export function edgeKey(transition: AnyTransitionDefinition, label: (eventType: string) => string = (t) => t): string {
  const candidates = transition.source.transitions.get(transition.eventType) ?? [transition];
  const guardName = guardLabel(transition.guard);
  const which = candidates.length > 1 ? ` [${guardName ?? `#${candidates.indexOf(transition)}`}]` : '';
  const targets = transition.target?.map((t: AnyStateNode) => t.id).join(',') ?? '(stays)';
  return `${transition.source.id} —${label(transition.eventType)}${which}→ ${targets}`;
}

/** A guard as the definition reads: its name, or `a and not b` for XState's `and` / `or` / `not` combinators. */
function guardLabel(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  const combined = guard as { name?: string; guards?: unknown[] } | undefined;
  if (typeof guard === 'function' && Array.isArray(combined?.guards)) {
    const parts = combined.guards.map((g) => guardLabel(g) ?? '?');
    if (combined.name === 'not') return `not ${parts.join(', ')}`;
    return parts.join(` ${combined.name ?? '?'} `);
  }
  return (guard as { type?: string } | undefined)?.type;
}

/** Every transition candidate of the definition: what a path set must cross to be complete. */
export function definedEdges(machine: AnyStateMachine, label?: (eventType: string) => string): DefinedEdge[] {
  const edges: DefinedEdge[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const [eventType, candidates] of node.transitions) {
      for (const transition of candidates) edges.push({ key: edgeKey(transition, label), source: node.id, eventType });
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return edges;
}

/** A step as the coverage check needs it: the state before, the event, the state after. */
export interface CoveredStep {
  before: Parameters<AnyStateMachine['getTransitionData']>[0];
  event: EventObject;
  after: { _nodes: readonly AnyStateNode[] };
}

/**
 * Measures which states and transition candidates of `machine`'s definition the steps visit.
 * The transitions taken are asked of the machine (`getTransitionData`), so guards decide which
 * candidate a step counts for, exactly as they do at run time.
 */
export function measureCoverage(
  machine: AnyStateMachine,
  steps: Iterable<CoveredStep>,
  initialNodes: readonly AnyStateNode[],
  label?: (eventType: string) => string,
): CoverageReport {
  const visitedStates = new Set(initialNodes.map((n) => n.id));
  const visitedEdges = new Set<string>();
  for (const step of steps) {
    for (const transition of machine.getTransitionData(step.before, step.event)) visitedEdges.add(edgeKey(transition, label));
    for (const node of step.after._nodes) visitedStates.add(node.id);
  }
  return {
    states: figures(definedStates(machine), visitedStates),
    transitions: figures(
      definedEdges(machine, label).map((e) => e.key),
      visitedEdges,
    ),
  };
}

/** Coverage of transitions actually taken at run time (e.g. from `@xstate.microstep` inspection events). */
export function coverageOfTaken(machine: AnyStateMachine, taken: ReadonlySet<string>, label?: (eventType: string) => string) {
  return figures(
    definedEdges(machine, label).map((e) => e.key),
    taken,
  );
}

function figures(defined: readonly string[], visited: ReadonlySet<string>): CoverageFigures {
  const missing = defined.filter((key) => !visited.has(key));
  const hit = defined.length - missing.length;
  return { defined: defined.length, visited: hit, missing, percent: defined.length === 0 ? 100 : (100 * hit) / defined.length };
}

/** One line for logs: `states 7/7 (100%), transitions 14/14 (100%)`. */
export function formatCoverage(report: CoverageReport): string {
  const line = (f: CoverageFigures) => `${f.visited}/${f.defined} (${f.percent.toFixed(0)}%)`;
  return `states ${line(report.states)}, transitions ${line(report.transitions)}`;
}
