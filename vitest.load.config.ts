import { defineConfig } from 'vitest/config';

/**
 * `npm run test:load`: the bounded load and soak runs (test/load/*.load.ts), kept out of `npm test`
 * for their length. One file at a time in a forked worker with `--expose-gc`, so heap figures are
 * taken after real garbage collections and the two runs do not compete for the two cores.
 */
export default defineConfig({
  test: {
    include: ['test/load/**/*.load.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    // Any unhandled rejection or uncaught exception fails the run (see the file).
    setupFiles: ['test/support/failOnUnhandled.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
