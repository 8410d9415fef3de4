import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { taskMachine } from '../../machines/task.js';
import { coverageOfTaken } from '../model/coverage.js';
import type { CoverageFigures } from '../model/coverage.js';
import { combinationsOn, edgeLabel, nameOf } from '../model/paths/combination.js';
import { describePathSuite, pathsFor, unreachableEdges } from '../model/paths/pathSuite.js';
import { describeUnreachable } from '../model/paths/unreachableSuite.js';
import { coverageOfPaths } from '../model/taskModel.js';
import { syncDocBlock } from '../support/docBlock.js';
import { serverSdkLine } from '../support/harness.js';

// The generated paths on Redis with two instances on one key prefix: each task created through a
// randomly chosen instance, every later client step (look, answer, cancel, tasks/result) through
// either, chosen by a seeded generator. MTA_PATH_SEED replays a run; the seed is printed. The SDK
// line is the project's (redis: v1, redis-sdk-v2: v2), so each project runs 4 combinations.
const seed = Number(process.env['MTA_PATH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
console.info(`model paths on Redis, SDK ${serverSdkLine}: MTA_PATH_SEED=${seed}`);
const redisUrl = (): string => inject('redisUrl');
const combinations = combinationsOn('redis').filter((c) => c.sdk === serverSdkLine);
const runs = describePathSuite(combinations, { seed, redisUrl });
describeUnreachable(combinations, redisUrl);

const TESTING_DOC = fileURLToPath(new URL('../../docs/testing.md', import.meta.url));
const ratio = (f: CoverageFigures): string => `${f.visited}/${f.defined}`;

describe('docs/testing.md', () => {
  it(`the Redis × SDK ${serverSdkLine} rows of the paths matrix are this run's (written with UPDATE_DOCS=1, checked otherwise)`, () => {
    const rows = runs.map((run) => {
      const c = run.combination;
      expect(run.ran, `every path of ${nameOf(c)} ran (run the file unfiltered)`).toBe(run.paths);
      // States: each path's real actor took exactly the model's edges (PathRun.finish), so the
      // states the paths visit are the ones the actors visited. Transitions: what the actors took.
      const states = coverageOfPaths(taskMachine, pathsFor(c), edgeLabel).states;
      const transitions = coverageOfTaken(taskMachine, run.taken, edgeLabel);
      const unreachable = unreachableEdges(c).length;
      return `| ${nameOf(c)} | ${run.ran} | ${ratio(states)} | ${ratio(transitions)} | ${unreachable === 0 ? '—' : `${unreachable} (input.error)`} |`;
    });
    syncDocBlock(
      TESTING_DOC,
      `paths-matrix-redis-${serverSdkLine}`,
      [
        '| combination | generated tests | states | transitions taken | named unreachable |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  });
});
