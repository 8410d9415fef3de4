import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskMachine } from '../../../machines/task.js';
import { coverageOfTaken, definedEdges, formatCoverage } from '../coverage.js';
import { coverageOfPaths, generateTaskPaths, pathEdges } from '../taskModel.js';
import type { ModelPath } from '../taskModel.js';
import { edgeLabel, nameOf, seededRandom, unreachableEvents } from './combination.js';
import type { Combination } from './combination.js';
import { PathRun } from './PathRun.js';

/** The machine's edges for event types a combination cannot cause: exactly what its coverage may miss. */
export function unreachableEdges(combination: Combination): string[] {
  const types = unreachableEvents(combination).map((u) => u.eventType);
  return definedEdges(taskMachine, edgeLabel)
    .filter((edge) => types.includes(edge.eventType))
    .map((edge) => edge.key);
}

/** The paths a combination runs: the machine's own, generated without the events it cannot cause. */
export function pathsFor(combination: Combination): ModelPath[] {
  return generateTaskPaths(
    taskMachine,
    unreachableEvents(combination).map((u) => u.eventType),
  );
}

/**
 * Registers one describe block per combination: every generated path as a test, then the
 * combination's coverage (complete, except the named unreachable edges) and the transitions the
 * real task actors took. `seed` makes a Redis run's instance choices replayable (MTA_PATH_SEED).
 */
export function describePathSuite(combinations: readonly Combination[], options: { redisUrl?: () => string; seed: number }): void {
  for (const combination of combinations) {
    describe(`task machine paths: ${nameOf(combination)}`, () => {
      const paths = pathsFor(combination);
      const taken = new Set<string>();
      let ran = 0;
      beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
      afterEach(() => vi.useRealTimers());

      paths.forEach((path, index) =>
        it(path.description, async () => {
          const run = await PathRun.start(combination, seededRandom(options.seed + index), options.redisUrl?.());
          try {
            const [initial, ...rest] = path.steps;
            await run.create(initial!.state);
            let before = initial!.state;
            for (const step of rest) {
              await run.step(before, step.event as Parameters<PathRun['step']>[1], step.state);
              before = step.state;
            }
            await run.finish(pathEdges(path, edgeLabel));
            for (const edge of run.takenAtRuntime()) taken.add(edge);
            ran++;
          } finally {
            await run.dispose();
          }
        }),
      );

      it('covers every state and transition, except the edges named unreachable here', () => {
        const report = coverageOfPaths(taskMachine, paths, edgeLabel);
        const unreachable = unreachableEdges(combination);
        console.info(
          `${nameOf(combination)}: ${paths.length} paths, ${formatCoverage(report)}; unreachable: ${unreachable.join('; ') || 'none'}`,
        );
        expect(report.states.missing).toEqual([]);
        expect(report.transitions.missing).toEqual(unreachable);
      });

      it('the real task actors took every reachable transition while the paths ran', () => {
        expect(ran, 'every generated path ran (run the file unfiltered)').toBe(paths.length);
        expect(coverageOfTaken(taskMachine, taken, edgeLabel).missing).toEqual(unreachableEdges(combination));
      });
    });
  }
}
