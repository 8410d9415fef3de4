/**
 * The client-task machine's generated paths, end to end against a real SDK client acting as task
 * receiver (clientTaskRun.ts), per combination of input kind, SDK line and how the receiver reports,
 * with coverage computed from the definition (coverage.ts): every state and transition candidate by
 * the model paths, and every transition taken by the real actors while the paths ran, except the
 * edges a combination names unreachable (clientTask.unreachable.test.ts proves them).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { coverageOfTaken, formatCoverage } from './coverage.js';
import { clientCoverageOfPaths, clientEdgeLabel, clientUnreachableEdges, generateClientTaskPaths } from './clientTaskModel.js';
import { CLIENT_TASK_COMBINATIONS, clientCombinationName, clientUnreachable } from './clientTaskCombination.js';
import { ClientTaskRun } from './clientTaskRun.js';

// Under mutation testing (MTA_MUTATION) only the first combination: a mutant of the machine dies there or nowhere.
const combinations = process.env['MTA_MUTATION'] === '1' ? CLIENT_TASK_COMBINATIONS.slice(0, 1) : CLIENT_TASK_COMBINATIONS;

for (const combination of combinations) {
  describe(`client-task machine paths: ${clientCombinationName(combination)}`, () => {
    const unreachable = clientUnreachable(combination);
    const paths = generateClientTaskPaths(clientTaskMachine, unreachable);
    const unreachableEdges = clientUnreachableEdges(clientTaskMachine, unreachable);
    const taken = new Set<string>();
    let ran = 0;
    beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
    afterEach(() => vi.useRealTimers());

    for (const path of paths) {
      it(path.description, async () => {
        const run = await ClientTaskRun.start(combination);
        try {
          const [initial, ...rest] = path.steps;
          await run.create(initial!.state);
          let before = initial!.state;
          for (const step of rest) {
            await run.step(before, step.event, step.state);
            before = step.state;
          }
          run.finish();
          for (const edge of run.takenAtRuntime()) taken.add(edge);
          ran++;
        } finally {
          await run.dispose();
        }
      });
    }

    it('the generated paths cover every state and transition candidate, except the edges named unreachable here', () => {
      const report = clientCoverageOfPaths(clientTaskMachine, paths);
      console.info(
        `client task × ${clientCombinationName(combination)}: ${paths.length} paths, ${formatCoverage(report)}; unreachable: ${unreachableEdges.join('; ') || 'none'}`,
      );
      expect(report.states.missing).toEqual([]);
      expect(report.transitions.missing).toEqual(unreachableEdges);
    });

    it('the real client-task actors took every transition while the paths ran', () => {
      expect(ran, 'every generated path ran (run the file unfiltered)').toBe(paths.length);
      expect(coverageOfTaken(clientTaskMachine, taken, clientEdgeLabel).missing).toEqual(unreachableEdges);
    });
  });
}
