/**
 * The client-task machine's generated paths, end to end against a real SDK client acting as task
 * receiver (clientTaskRun.ts), per combination of input kind and SDK line, with coverage computed
 * from the definition (coverage.ts): every state and transition candidate by the model paths, and
 * every transition taken by the real actors while the paths ran.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { coverageOfTaken, formatCoverage } from './coverage.js';
import { clientCoverageOfPaths, clientEdgeLabel, generateClientTaskPaths } from './clientTaskModel.js';
import { CLIENT_TASK_COMBINATIONS, clientCombinationName, ClientTaskRun } from './clientTaskRun.js';

const paths = generateClientTaskPaths();
// Under mutation testing (MTA_MUTATION) only the first combination: a mutant of the machine dies there or nowhere.
const combinations = process.env['MTA_MUTATION'] === '1' ? CLIENT_TASK_COMBINATIONS.slice(0, 1) : CLIENT_TASK_COMBINATIONS;

for (const combination of combinations) {
  describe(`client-task machine paths: ${clientCombinationName(combination)}`, () => {
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

    it('the generated paths cover every state and transition candidate of the definition', () => {
      const report = clientCoverageOfPaths(clientTaskMachine, paths);
      console.info(`client task × ${clientCombinationName(combination)}: ${paths.length} paths, ${formatCoverage(report)}`);
      expect(report.states.missing).toEqual([]);
      expect(report.transitions.missing).toEqual([]);
    });

    it('the real client-task actors took every transition while the paths ran', () => {
      expect(ran, 'every generated path ran (run the file unfiltered)').toBe(paths.length);
      expect(coverageOfTaken(clientTaskMachine, taken, clientEdgeLabel).missing).toEqual([]);
    });
  });
}
