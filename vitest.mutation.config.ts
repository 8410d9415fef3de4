import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`, stryker.config.json): the
 * in-memory tests of the code it mutates. By default the focused set — the machines' own tests,
 * the generated paths in their first combination, the spec oracle and the engine tests — which a
 * mutant of machines/ or src/engine meets in seconds. `MTA_MUTATION_TESTS=full` adds the protocol
 * suites, which src/session and src/protocol need (minutes per mutant on 2 cores: a release run).
 * Random-input tests (property, fuzz) stay out: a mutant could live in one run and die in the next;
 * so do the other path combinations and the 1,000-task concurrency test (seconds each per mutant,
 * no code of their own under mutation).
 */
const full = process.env['MTA_MUTATION_TESTS'] === 'full';
// `machines`: only what judges the machines (their own tests, the oracle, coverage, the paths): a
// machine mutant then costs one short vitest run, which is what a busy 2-core box can afford.
const machinesOnly = process.env['MTA_MUTATION_TESTS'] === 'machines';

export default defineConfig({
  test: {
    include: machinesOnly
      ? [
          'test/machines/**/*.test.ts',
          'test/model/specOracle.test.ts',
          'test/model/coverage.test.ts',
          'test/model/paths/memory.paths.test.ts',
        ]
      : [
          'test/machines/**/*.test.ts',
          'test/model/**/*.test.ts',
          'test/engine/**/*.test.ts',
          ...(full ? ['test/session/**/*.test.ts', 'test/protocol/**/*.test.ts'] : []),
        ],
    exclude: [
      'test/model/**/*.property.test.ts',
      'test/model/**/*.fuzz.test.ts',
      'test/model/paths/unreachable.test.ts',
      'test/protocol/rev2025-11-25/concurrency.test.ts',
      '**/node_modules/**',
    ],
    // The generated paths run in their first combination only (test/model/paths/memory.paths.test.ts).
    env: { MTA_MUTATION: '1' },
    setupFiles: ['test/support/failOnUnhandled.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
