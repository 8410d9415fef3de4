import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { syncDocBlock } from '../support/docBlock.js';
import { definedEdges, definedStates } from './coverage.js';
import type { CoverageFigures } from './coverage.js';
import { clientCoverageOfPaths, clientEdgeLabel, clientUnreachableEdges, generateClientTaskPaths } from './clientTaskModel.js';
import { CLIENT_TASK_COMBINATIONS, clientCombinationName, clientUnreachable } from './clientTaskCombination.js';

const TESTING_DOC = fileURLToPath(new URL('../../docs/testing.md', import.meta.url));
const ratio = (f: CoverageFigures): string => `${f.visited}/${f.defined}`;

/** The client-task machine's definition and implementations with `change` applied to its states. */
function variant(change: (states: Record<string, any>) => Record<string, any>): AnyStateMachine {
  const config = clientTaskMachine.config as { states: Record<string, any> };
  return createMachine({ ...clientTaskMachine.config, states: change(config.states) } as any, clientTaskMachine.implementations as any);
}

describe('client-task coverage check', () => {
  it('is computed from the definition: every state node and every transition candidate, guards apart', () => {
    expect(definedStates(clientTaskMachine)).toEqual([
      'clientTask.requested',
      'clientTask.active',
      'clientTask.active.working',
      'clientTask.active.input_required',
      'clientTask.retrieving',
      'clientTask.completed',
      'clientTask.failed',
      'clientTask.cancelled',
    ]);
    const keys = definedEdges(clientTaskMachine, clientEdgeLabel).map((e) => e.key);
    // One edge per guarded candidate of `created`, each named by its guard.
    expect(keys.filter((k) => k.startsWith('clientTask.requested —created'))).toEqual([
      'clientTask.requested —created [isWorking]→ clientTask.active.working',
      'clientTask.requested —created [isInputRequired]→ clientTask.active.input_required',
      'clientTask.requested —created [hasResult]→ clientTask.retrieving',
      'clientTask.requested —created [isCancelled]→ clientTask.cancelled',
    ]);
  });

  it('reports a state and its edge that no generated path can reach', () => {
    const machine = variant((states) => ({ ...states, limbo: { on: { cancel: { target: 'cancelled' } } } }));
    const report = clientCoverageOfPaths(machine, generateClientTaskPaths(machine));
    expect(report.states.missing).toEqual(['clientTask.limbo']);
    expect(report.transitions.missing).toEqual(['clientTask.limbo —cancel→ clientTask.cancelled']);
  });

  it('fails the generator when the machine accepts an event the driver has no stimulus for', () => {
    const machine = variant((states) => ({
      ...states,
      requested: { ...states['requested'], on: { ...states['requested'].on, paused: { target: 'failed' } } },
    }));
    expect(() => generateClientTaskPaths(machine)).toThrow(/accepts 'paused' but the model has no stimulus for it/);
  });
});

describe('client-task figures in docs/testing.md', () => {
  it('are the measured ones: written by this test (UPDATE_DOCS=1), checked otherwise', () => {
    // The run-time figures: clientTask.paths.test.ts fails unless the real actors took every edge
    // but the named unreachable ones in each combination, so whenever the suite passes they are these.
    const rows = CLIENT_TASK_COMBINATIONS.map((c) => {
      const unreachable = clientUnreachable(c);
      const paths = generateClientTaskPaths(clientTaskMachine, unreachable);
      const report = clientCoverageOfPaths(clientTaskMachine, paths);
      const named = clientUnreachableEdges(clientTaskMachine, unreachable).length;
      return `| ${clientCombinationName(c)} | ${paths.length} | ${ratio(report.states)} | ${ratio(report.transitions)} | ${named === 0 ? '—' : `${named} (status while input_required)`} |`;
    });
    syncDocBlock(
      TESTING_DOC,
      'client-task',
      [
        '| combination (input × server SDK line × receiver reports) | generated tests | states | transitions | named unreachable |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  });
});
