/**
 * `npm run lint` lints the sources, not what git ignores: a README program the doc tests write and
 * run (test/.doc-*.ts, in no tsconfig) failed every type-aware rule with a parsing error whenever
 * lint ran while `npm test` did, and tsc output written next to the sources would be linted as
 * source. The one committed .js under a `src/**\/*.js` ignore (the live view's page script) is.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

describe('the lint configuration', () => {
  it.each(['test/.doc-1a2b3c4d.ts', 'src/engine/TaskEngine.js', 'machines/task.d.ts', '.vitest-results/x.ts', 'dist/src/index.js'])(
    'skips %s, which git ignores',
    async (path) => {
      expect(await eslint.isPathIgnored(path)).toBe(true);
    },
  );

  it.each(['src/demo/liveView/client.js', 'src/engine/TaskEngine.ts', 'test/package/lintIgnores.test.ts'])('lints %s', async (path) => {
    expect(await eslint.isPathIgnored(path)).toBe(false);
  });
});
