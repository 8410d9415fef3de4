import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { syncDocBlock } from '../support/docBlock.js';
import { definedEdges, definedStates } from './coverage.js';
import type { CoverageFigures } from './coverage.js';
import { generateRootPaths, rootCoverage } from './rootModel.js';
import { combinationsOn, edgeLabel, nameOf } from './paths/combination.js';
import { pathsFor, unreachableEdges } from './paths/pathSuite.js';
import { coverageOfPaths, generateTaskPaths } from './taskModel.js';

const TESTING_DOC = fileURLToPath(new URL('../../docs/testing.md', import.meta.url));
const ratio = (f: CoverageFigures): string => `${f.visited}/${f.defined}`;

/** The task machine's own definition and implementations, with `change` applied to its states. */
function variantOfTaskMachine(
  change: (states: Record<string, any>) => Record<string, any>,
  extraGuards: Record<string, () => boolean> = {},
): AnyStateMachine {
  const config = taskMachine.config as { states: Record<string, any> };
  const implementations = taskMachine.implementations;
  return createMachine(
    { ...taskMachine.config, states: change(config.states) } as any,
    {
      ...implementations,
      guards: { ...implementations.guards, ...extraGuards },
    } as any,
  );
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
    expect(report.transitions.missing).toEqual(['task.running.input_required —input.response [never]→ task.failed']);
  });

  it('fails the generator when the machine accepts an event the protocol mapping does not know', () => {
    const machine = variantOfTaskMachine((states) => ({
      ...states,
      running: { ...states['running'], on: { ...states['running'].on, 'work.pause': { target: '.working' } } },
    }));
    expect(() => generateTaskPaths(machine)).toThrow(/accepts 'work.pause' but the model has no protocol mapping/);
  });
});

describe('coverage figures in docs/testing.md', () => {
  it('are the measured ones: written by this test (UPDATE_DOCS=1), checked otherwise', () => {
    const task = coverageOfPaths(taskMachine, generateTaskPaths(), edgeLabel);
    // The run-time figure is every defined transition: taskMachine.paths.test.ts fails unless the
    // real task actors took each one, so whenever the suite passes it is defined/defined.
    const transitions = task.transitions.defined;
    syncDocBlock(
      TESTING_DOC,
      'coverage',
      [
        `- Generated paths: **${ratio(task.states)} states, ${ratio(task.transitions)} transitions (${task.transitions.percent.toFixed(0)}%)** of the task machine. The suite fails`,
        '  if this drops (`the generated paths visit 100% ...`).',
        `- Run time: the real task actors took **${transitions}/${transitions}** transitions while the paths ran.`,
      ].join('\n'),
    );
    const matrix = combinationsOn('memory').map((c) => {
      const report = coverageOfPaths(taskMachine, pathsFor(c), edgeLabel);
      const unreachable = unreachableEdges(c).length;
      return `| ${nameOf(c)} | ${pathsFor(c).length} | ${ratio(report.states)} | ${ratio(report.transitions)} | ${unreachable === 0 ? '—' : `${unreachable} (input.error)`} |`;
    });
    syncDocBlock(
      TESTING_DOC,
      'paths-matrix',
      ['| combination | generated tests | states | transitions | named unreachable |', '| --- | --- | --- | --- | --- |', ...matrix].join(
        '\n',
      ),
    );
    const root = rootCoverage(generateRootPaths());
    syncDocBlock(TESTING_DOC, 'root-coverage', `Coverage: **${ratio(root.states)} states, ${ratio(root.transitions)} transitions.**`);
  });

  it('a block that differs fails the check, UPDATE_DOCS rewrites only the block, a missing block is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docblock-'));
    try {
      const file = join(dir, 'doc.md');
      writeFileSync(file, 'before\n<!-- figures:start -->\n**7/7**\n<!-- figures:end -->\nafter\n');
      expect(() => syncDocBlock(file, 'figures', '**8/8**', false)).toThrow(/differs from what the test measured/);
      syncDocBlock(file, 'figures', '**8/8**', true);
      expect(readFileSync(file, 'utf8')).toBe('before\n<!-- figures:start -->\n**8/8**\n<!-- figures:end -->\nafter\n');
      expect(() => syncDocBlock(file, 'figures', '**8/8**', false)).not.toThrow();
      expect(() => syncDocBlock(file, 'absent', 'x', true)).toThrow(/has no <!-- absent:start -->/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
