import type { AnyStateMachine } from 'xstate';
import { allStates, machineGraph } from './machineGraph.js';
import type { MachineGraph, StateBox, TransitionLine } from './machineGraph.js';

/**
 * A Mermaid `stateDiagram-v2` of a machine, generated from its definition.
 *
 * Each transition is written inside the block of the closest compound state holding both ends,
 * because Mermaid nests a state wherever it is first mentioned. Transitions declared on the machine
 * itself hold in every top-level state, so they are drawn from each non-final one. Transitions
 * without a target only run actions and change no state: {@link transitionTable} lists them.
 */
export function mermaidStateDiagram(machine: AnyStateMachine): string {
  const graph = machineGraph(machine);
  const names = mermaidNames(graph);
  const parentOf = new Map(allStates(graph).map(({ box, parent }) => [box.id, parent]));
  const name = (id: string): string => names.get(id) ?? id;

  const expanded: TransitionLine[] = graph.transitions
    .filter((line) => !line.targetless)
    .flatMap((line) =>
      line.source === graph.id
        ? graph.states.filter((state) => state.type !== 'final').map((state) => ({ ...line, source: state.id }))
        : [line],
    );
  const blockOf = (line: TransitionLine): string | undefined => commonParent(line.source, line.target, parentOf);

  const lines: string[] = ['stateDiagram-v2'];
  const writeBlock = (states: StateBox[], initial: string | undefined, block: string | undefined, indent: string): void => {
    if (initial) lines.push(`${indent}[*] --> ${name(initial)}`);
    for (const state of states) {
      if (state.children.length > 0) {
        lines.push(`${indent}state ${name(state.id)} {`);
        writeBlock(state.children, state.initial, state.id, `${indent}  `);
        lines.push(`${indent}}`);
      }
    }
    for (const line of expanded) {
      if (blockOf(line) !== block) continue;
      lines.push(`${indent}${name(line.source)} --> ${name(line.target)} : ${transitionText(line)}`);
    }
    for (const state of states) {
      if (state.type === 'final') lines.push(`${indent}${name(state.id)} --> [*]`);
    }
    for (const state of states) {
      if (state.invokes.length > 0) lines.push(`${indent}note right of ${name(state.id)} : invokes ${state.invokes.join(', ')}`);
    }
  };
  writeBlock(graph.states, graph.initial, undefined, '  ');
  return lines.join('\n');
}

/** A transition's label: event, guard in brackets. */
export function transitionText(line: TransitionLine): string {
  return line.guard ? `${line.label} [${line.guard}]` : line.label;
}

/** State keys where they are unique in the machine, else the path joined by `_` (Mermaid ids take no dots). */
function mermaidNames(graph: MachineGraph): Map<string, string> {
  const states = allStates(graph).map(({ box }) => box);
  const keyCount = new Map<string, number>();
  for (const state of states) keyCount.set(state.key, (keyCount.get(state.key) ?? 0) + 1);
  return new Map(states.map((state) => [state.id, keyCount.get(state.key) === 1 ? state.key : state.id.split('.').slice(1).join('_')]));
}

/** The id of the closest compound state containing both states (undefined: the machine itself). */
function commonParent(a: string, b: string, parentOf: Map<string, string | undefined>): string | undefined {
  const ancestors = (id: string): (string | undefined)[] => {
    const chain: (string | undefined)[] = [];
    for (let parent = parentOf.get(id); ; parent = parentOf.get(parent)) {
      chain.push(parent);
      if (parent === undefined) return chain;
    }
  };
  const ofB = new Set(ancestors(b));
  return ancestors(a).find((candidate) => ofB.has(candidate));
}

/** A Markdown table of every transition: the same facts as the diagram, with guards and actions. */
export function transitionTable(machine: AnyStateMachine): string {
  const graph = machineGraph(machine);
  const short = (id: string): string => (id === graph.id ? `(${graph.id})` : id.split('.').slice(1).join('.'));
  const rows = graph.transitions.map(
    (line) =>
      `| ${short(line.source)} | \`${line.event}\` | ${line.guard ?? ''} | ${line.targetless ? '(stays)' : short(line.target)} | ${line.actions.join(', ')} |`,
  );
  return ['| from | event | guard | to | actions |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
