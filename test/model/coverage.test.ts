import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { definedEdges, definedStates } from './coverage.js';
import { edgeLabel } from './taskPathDriver.js';
import { coverageOfPaths, generateTaskPaths } from './taskModel.js';

/** The task machine's own definition and implementations, with `change` applied to its states. */
function variantOfTaskMachine(
  change: (states: Record<string, any>) => Record<string, any>,
  extraGuards: Record<string, () => boolean> = {},
): AnyStateMachine {
  const config = taskMachine.config as { states: Record<string, any> };
  const implementations = taskMachine.implementations;
  return createMachine({ ...taskMachine.config, states: change(config.states) } as any, {
    ...implementations,
    guards: { ...implementations.guards, ...extraGuards },
  } as any);
}

describe('coverage check', () => {
  it('is computed from the definition: every state node and every transition candidate', () => {
    expect(definedStates(taskMachine)).toEqual([
      'task.running',
      'task.running.working',
      'task.running.input_required',
      'task.completed',
      'task.failed',
      'task.cancelled',
      'task.expired',
    ]);
    expect(definedEdges(taskMachine, edgeLabel)).toHaveLength(13);
  });

  it('reports a state and its edge that no generated path can reach', () => {
    const machine = variantOfTaskMachine((states) => ({
      ...states,
      limbo: { on: { cancel: { target: 'cancelled' } } },
    }));
    const report = coverageOfPaths(machine, generateTaskPaths(machine), edgeLabel);
    expect(report.states.missing).toEqual(['task.limbo']);
    expect(report.transitions.missing).toEqual(['task.limbo —cancel→ task.cancelled']);
    expect(report.transitions.percent).toBeLessThan(100);
  });

  it('reports a transition candidate whose guard never lets a path through', () => {
    const machine = variantOfTaskMachine(
      (states) => {
        const inputRequired = states['running'].states.input_required;
        return {
          ...states,
          running: {
            ...states['running'],
            states: {
              ...states['running'].states,
              input_required: {
                ...inputRequired,
                on: {
                  ...inputRequired.on,
                  'input.response': [{ guard: 'never', target: '#task.failed' }, ...inputRequired.on['input.response']],
                },
              },
            },
          },
        };
      },
      { never: () => false },
    );
    const report = coverageOfPaths(machine, generateTaskPaths(machine), edgeLabel);
    expect(report.states.missing).toEqual([]);
    expect(report.transitions.missing).toEqual([
      'task.running.input_required —input.response [never]→ task.failed',
    ]);
  });

  it('fails the generator when the machine accepts an event the protocol mapping does not know', () => {
    const machine = variantOfTaskMachine((states) => ({
      ...states,
      running: { ...states['running'], on: { ...states['running'].on, 'work.pause': { target: '.working' } } },
    }));
    expect(() => generateTaskPaths(machine)).toThrow(/accepts 'work.pause' but the model has no protocol mapping/);
  });
});
