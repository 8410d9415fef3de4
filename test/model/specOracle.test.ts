import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { specViolations, statusOfLeaf } from './specOracle.js';
import type { Observation } from './specOracle.js';
import { generateTaskPaths, leafOf } from './taskModel.js';
import type { ModelPath } from './taskModel.js';

const seq = (...statuses: Observation['status'][]): Observation[] => statuses.map((status) => ({ status }));

/**
 * The status sequence of a generated path as the machine's snapshots show it, with the number of
 * outstanding input requests counted from the path's events (not read from the machine's context).
 */
function observationsOf(path: ModelPath): Observation[] {
  let outstanding = 0;
  return path.steps.map((step) => {
    if (step.event.type === 'input.request') outstanding++;
    if (step.event.type === 'input.response' || step.event.type === 'input.error') outstanding--;
    return { status: statusOfLeaf(leafOf(step.state)), outstanding, done: step.state.status === 'done' };
  });
}

/** Every rule a machine's generated paths break (empty for a machine that keeps the spec). */
function machineViolations(machine: AnyStateMachine): string[] {
  return generateTaskPaths(machine).flatMap((path) =>
    specViolations('model', observationsOf(path)).map((v) => `${path.description}: ${v}`),
  );
}

/** The production machine's definition and implementations with `change` applied to its states. */
function variant(change: (states: Record<string, any>) => Record<string, any>): AnyStateMachine {
  const config = taskMachine.config as { states: Record<string, any> };
  return createMachine({ ...taskMachine.config, states: change(config.states) } as any, taskMachine.implementations as any);
}

describe('the spec status table', () => {
  it('accepts the moves the spec allows, polled or notified', () => {
    expect(specViolations('tasks/get', seq('working', 'working', 'input_required', 'working', 'completed', 'completed', 'gone'))).toEqual(
      [],
    );
    expect(specViolations('notification', seq('working', 'working', 'input_required', 'input_required', 'cancelled'))).toEqual([]);
    expect(specViolations('tasks/get', seq('working', 'failed'))).toEqual([]);
  });

  it('names every rule a sequence breaks', () => {
    expect(specViolations('tasks/get', seq('input_required'))).toEqual([
      'tasks/get #1 (input_required): a task starts working, not input_required',
    ]);
    expect(specViolations('tasks/get', seq('working', 'completed', 'working'))).toEqual([
      'tasks/get #3 (working → completed → working): completed → working, but a terminal status never changes',
    ]);
    expect(specViolations('notification', seq('working', 'failed', 'failed'))).toEqual([
      'notification #3 (working → failed → failed): failed → failed, but a terminal status never changes',
    ]);
    expect(specViolations('tasks/get', seq('working', 'gone', 'working'))).toEqual([
      'tasks/get #3 (working → gone → working): working after the task was gone',
    ]);
    expect(specViolations('actor', [{ status: 'working' }, { status: 'input_required', outstanding: 0 }])).toEqual([
      'actor #2 (working → input_required): input_required while no input request is outstanding',
    ]);
    expect(specViolations('actor', [{ status: 'working' }, { status: 'cancelled', done: false }])).toEqual([
      'actor #2 (working → cancelled): cancelled is terminal, but the actor is still running and can change it',
    ]);
    expect(specViolations('tasks/get', seq('working', 'paused' as never))).toEqual([
      "tasks/get #2 (working → paused): 'paused' is not a spec status",
      'tasks/get #2 (working → paused): working → paused is not an allowed move',
    ]);
  });
});

describe('the task machine against the spec oracle', () => {
  it('keeps the spec rules on every generated path', () => {
    expect(machineViolations(taskMachine)).toEqual([]);
  });

  it('fails a machine whose terminal state is not final', () => {
    const violations = machineViolations(variant((states) => ({ ...states, completed: {} })));
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.endsWith('completed is terminal, but the actor is still running and can change it'))).toBe(true);
  });

  it('fails a machine with a move out of a terminal state', () => {
    const violations = machineViolations(
      variant((states) => ({ ...states, failed: { on: { 'work.status': { target: '#task.running.working' } } } })),
    );
    expect(violations).toContainEqual(expect.stringMatching(/failed → working, but a terminal status never changes$/));
  });

  it('fails a machine that asks for input with nothing outstanding', () => {
    const violations = machineViolations(
      variant((states) => {
        const running = states['running'];
        const working = running.states.working;
        return {
          ...states,
          running: {
            ...running,
            states: { ...running.states, working: { ...working, on: { ...working.on, 'work.status': { target: 'input_required' } } } },
          },
        };
      }),
    );
    expect(violations).toContainEqual(expect.stringMatching(/input_required while no input request is outstanding$/));
  });
});
