import { describe, expect, it } from 'vitest';
import { createMachine, transition } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { followStatusOf, followViolations, reportViolations } from './clientTaskOracle.js';
import type { FollowLook } from './clientTaskOracle.js';
import { clientLeafOf, generateClientTaskPaths, machineEvent } from './clientTaskModel.js';
import type { ClientModelPath } from './clientTaskModel.js';

/**
 * The follow's looks along a generated path, from the model alone. The `tasks/result` calls open
 * at each step are counted from the invocations the step's actions start and stop (the request the
 * `result` actor sends), not from the state's name.
 */
function looksOf(machine: AnyStateMachine, path: ClientModelPath): FollowLook[] {
  let open = 0;
  return path.steps.map((step, i) => {
    if (i > 0) {
      const [, actions] = transition(machine, path.steps[i - 1]!.state, machineEvent(step.event) as never);
      open +=
        actions.filter((a) => a.type === 'xstate.spawnChild').length -
        actions.filter((a) => (a.type as string) === 'xstate.stopChild').length;
    }
    return { leaf: clientLeafOf(step.state), done: step.state.status === 'done', openResults: open };
  });
}

/** Every rule the machine's generated paths break (empty for a machine that keeps the spec). */
function machineViolations(machine: AnyStateMachine): string[] {
  return generateClientTaskPaths(machine).flatMap((path) =>
    followViolations('model', looksOf(machine, path)).map((v) => `${path.description}: ${v}`),
  );
}

/** The production machine's definition and implementations with `change` applied to its states. */
function variant(change: (states: Record<string, any>) => Record<string, any>): AnyStateMachine {
  const config = clientTaskMachine.config as { states: Record<string, any> };
  return createMachine({ ...clientTaskMachine.config, states: change(config.states) } as any, clientTaskMachine.implementations as any);
}

describe('the spec oracle, seen from the requestor', () => {
  it('maps the follower-only states and every spec-named leaf, and refuses a leaf it does not know', () => {
    expect(['requested', 'working', 'input_required', 'retrieving', 'completed', 'failed', 'cancelled'].map(followStatusOf)).toEqual([
      'working',
      'working',
      'input_required',
      'working',
      'completed',
      'failed',
      'cancelled',
    ]);
    expect(() => followStatusOf('paused')).toThrow("the client-task view has no spec status for the state 'paused'");
  });

  it('names a follow that leaves a terminal status, one that is terminal but running, and input_required with no tasks/result open', () => {
    const look = (leaf: string, done = false, openResults = 1): FollowLook => ({ leaf, done, openResults });
    expect(followViolations('actor', [look('requested'), look('working'), look('retrieving'), look('completed', true)])).toEqual([]);
    expect(followViolations('actor', [look('requested'), look('cancelled'), look('working')])).toEqual([
      'actor #2 (working → cancelled → working): cancelled is terminal, but the actor is still running and can change it',
      'actor #3 (working → cancelled → working): cancelled → working, but a terminal status never changes',
    ]);
    expect(followViolations('model', [look('requested'), look('input_required', false, 0)])).toEqual([
      "model #2: input_required, but the requestor has no tasks/result open for the client's task",
    ]);
  });

  it('names a receiver report that moves out of a terminal status, and a receiver whose task did not start working', () => {
    expect(
      reportViolations({
        created: 'working',
        received: [
          { via: 'created', status: 'working' },
          { via: 'notification', status: 'completed' },
          { via: 'tasks/get', status: 'working' },
        ],
        history: ['input_required', 'completed'],
      }),
    ).toEqual([
      'received #3 (working → completed → working): completed → working, but a terminal status never changes',
      'notification #1 (input_required → completed): a task starts working, not input_required',
    ]);
  });
});

describe('the client-task machine against the spec oracle', () => {
  it('keeps the spec rules on every generated path', () => {
    expect(machineViolations(clientTaskMachine)).toEqual([]);
  });

  it('fails a machine whose terminal state is not final', () => {
    const violations = machineViolations(variant((states) => ({ ...states, completed: {} })));
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.endsWith('completed is terminal, but the actor is still running and can change it'))).toBe(true);
  });

  it('fails a machine with a move out of a terminal state', () => {
    const violations = machineViolations(
      variant((states) => ({ ...states, cancelled: { on: { status: { target: '#clientTask.active.working', actions: 'remember' } } } })),
    );
    expect(violations).toContainEqual(expect.stringMatching(/cancelled → working, but a terminal status never changes$/));
  });

  it('fails a machine that stops fetching the result while the client needs input', () => {
    const violations = machineViolations(
      variant((states) => {
        const active = states['active'];
        const { invoke: _dropped, ...inputRequired } = active.states.input_required;
        return { ...states, active: { ...active, states: { ...active.states, input_required: inputRequired } } };
      }),
    );
    expect(violations).toContainEqual(expect.stringMatching(/input_required, but the requestor has no tasks\/result open/));
  });
});
