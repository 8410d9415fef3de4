import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskMachine } from '../../../machines/task.js';
import { coverageOfTaken, definedEdges, formatCoverage } from '../coverage.js';
import { coverageOfPaths, generateTaskPaths, pathEdges } from '../taskModel.js';
import type { ModelPath } from '../taskModel.js';
import { edgeLabel, nameOf, seededRandom, unreachableEvents } from './combination.js';
import type { Combination } from './combination.js';
import { PathRun } from './PathRun.js';

/** How far ahead of the real clock the paths' fake clock starts (ms): a day, far past any path's run. */
const FAKE_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;

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

/** What one combination's paths did at run time, filled in as its tests run. */
export interface CombinationRun {
  readonly combination: Combination;
  /** Paths generated for the combination. */
  readonly paths: number;
  /** Paths that ran to the end. */
  ran: number;
  /** Edges the real task actors took. */
  readonly taken: Set<string>;
  /** The instances tasks were created on. */
  readonly createdOn: Set<string>;
  /** Client steps sent through an instance other than the one running the task. */
  crossings: number;
}

/**
 * Registers one describe block per combination: every generated path as a test, then the
 * combination's coverage (complete, except the named unreachable edges) and the transitions the
 * real task actors took. `seed` makes a Redis run's instance choices replayable (MTA_PATH_SEED).
 * Returns each combination's run-time figures, complete once its block has run.
 */
export function describePathSuite(
  combinations: readonly Combination[],
  options: { redisUrl?: () => string; seed: number },
): CombinationRun[] {
  return combinations.map((combination) => {
    const paths = pathsFor(combination);
    const run: CombinationRun = { combination, paths: paths.length, ran: 0, taken: new Set(), createdOn: new Set(), crossings: 0 };
    const { taken } = run;
    // Each combination its own instance choices for one seed (FNV-1a of its name).
    const salt = [...nameOf(combination)].reduce((h, ch) => Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0, 2166136261);
    describe(`task machine paths: ${nameOf(combination)}`, () => {
      // The fake clock starts a day ahead of the real one. Redis expires a task's keys by its own
      // (real) clock, at the PEXPIREAT the store computes from this fake one: started at the real
      // time, a path that took over PATH_TTL of real time (a busy machine: 0.7 s seen under load)
      // lost its task to Redis before any `expire` step. So only the `expire` step ends a task's ttl.
      beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.now() + FAKE_CLOCK_AHEAD_MS }));
      afterEach(() => vi.useRealTimers());

      paths.forEach((path, index) =>
        it(path.description, async () => {
          const pathRun = await PathRun.start(combination, seededRandom((options.seed ^ salt) + index), options.redisUrl?.());
          try {
            const [initial, ...rest] = path.steps;
            await pathRun.create(initial!.state);
            let before = initial!.state;
            for (const step of rest) {
              await pathRun.step(before, step.event as Parameters<PathRun['step']>[1], step.state);
              before = step.state;
            }
            await pathRun.finish(pathEdges(path, edgeLabel));
            for (const edge of pathRun.takenAtRuntime()) taken.add(edge);
            const used = pathRun.instancesUsed();
            if (used.createdOn !== undefined) run.createdOn.add(used.createdOn);
            run.crossings += used.crossings;
            run.ran++;
          } finally {
            await pathRun.dispose();
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
        expect(run.ran, 'every generated path ran (run the file unfiltered)').toBe(paths.length);
        expect(coverageOfTaken(taskMachine, taken, edgeLabel).missing).toEqual(unreachableEdges(combination));
        if (combination.backend === 'redis') {
          console.info(`${nameOf(combination)}: ${run.crossings} client steps through the instance not running the task`);
          // Not luck of the seed: with 40+ paths, all on one instance has odds below 2^-40.
          expect([...run.createdOn].sort(), 'tasks were created on both instances').toEqual(['A', 'B']);
          expect(run.crossings, 'steps went through the instance that does not run the task').toBeGreaterThan(0);
        }
      });
    });
    return run;
  });
}
