import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`, stryker.config.json): the
 * in-memory tests of the code it mutates, chosen per mutated folder by `MTA_MUTATION_TESTS`
 * (scripts/mutation.ts sets it per part of a run, see SETS); unset or `full`: all of them plus the
 * session suites (what src/session and src/protocol would need).
 * With `coverageAnalysis: perTest` a mutant runs only the tests that reached it, so a wider set
 * costs the dry run, not every mutant — except static mutants (code run at import, such as a
 * machine's definition), which run every test of the set: hence a small set per machine file.
 * Random-input tests (property, fuzz) stay out: a mutant could live in one run and die in the next;
 * so do the other path combinations and the 1,000-task concurrency test (seconds each per mutant,
 * no code of their own under mutation).
 */
const set = process.env['MTA_MUTATION_TESTS'] ?? 'full';
/** The tests per part of a run (scripts/mutation.ts names the part's set). */
const SETS: Record<string, string[]> = {
  // machines/task.ts: its unit tests, the spec oracle, the coverage check, the generated paths.
  task: [
    'test/machines/**/*.test.ts',
    'test/model/specOracle.test.ts',
    'test/model/coverage.test.ts',
    'test/model/paths/memory.paths.test.ts',
  ],
  // machines/taskSupervisor.ts, TaskActor.ts, taskSupport.ts: the root's paths, and the engine that starts,
  // routes to and drains task actors through them.
  root: [
    'test/machines/**/*.test.ts',
    'test/model/rootMachine.paths.test.ts',
    'test/engine/**/*.test.ts',
    'test/model/paths/memory.paths.test.ts',
    'test/protocol/shutdown.test.ts',
    'test/faults/close.test.ts',
    'test/faults/work.test.ts',
  ],
  // machines/clientTask.ts: its unit and off-spec tests, the spec oracle, its generated
  // paths against the real follower (first combination), and the protocol tests.
  clientTask: [
    'test/machines/clientTask.test.ts',
    'test/machines/clientTask.offSpec.test.ts',
    'test/model/clientTaskOracle.test.ts',
    'test/model/clientTask.paths.test.ts',
    'test/protocol/rev2025-11-25/clientTasks.test.ts',
  ],
  // src/engine: the engine's own tests, the machines' paths through the real engine, and the
  // in-memory protocol and fault suites (the engine is reached only through them).
  engine: [
    'test/engine/**/*.test.ts',
    'test/model/paths/memory.paths.test.ts',
    'test/model/rootMachine.paths.test.ts',
    'test/model/clientTask.paths.test.ts',
    'test/protocol/**/*.test.ts',
    'test/faults/*.test.ts',
    'test/faults/backend/**/*.test.ts',
    // The only in-memory test of engine.watch (subscriptions/listen on a stateless v2 server).
    'test/sdk/v2/taskListen.test.ts',
    // A request goes out after its task's input_required is stored (taskStorage, TaskPort's push).
    'test/session/inputAfterStatus.test.ts',
  ],
  // For `--survivors` reruns: the unit tests added for survivors (a rerun can only kill more).
  added: ['test/machines/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/sdk/v2/taskListen.test.ts'],
};
const include = SETS[set] ?? [...new Set([...Object.values(SETS).flat(), 'test/model/**/*.test.ts', 'test/session/**/*.test.ts'])];

/**
 * Cheapest judges first. Stryker's runner stops at the first failing test (bail 1) and runs one
 * file at a time, so a mutant the machines' unit tests kill never pays for importing the MCP stack.
 */
const ORDER = [
  /test\/machines\//,
  /test\/model\/specOracle/,
  /test\/model\/rootMachine/,
  /test\/model\/clientTask/,
  /test\/engine\//,
  /test\/model\/paths\//,
  /test\/model\/coverage/,
];
const rank = (file: string): number => {
  const i = ORDER.findIndex((r) => r.test(file));
  return i < 0 ? ORDER.length : i;
};
class CheapestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve([...files].sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId)));
  }
}

export default defineConfig({
  test: {
    include,
    exclude: [
      'test/model/**/*.property.test.ts',
      'test/model/**/*.fuzz.test.ts',
      'test/model/paths/unreachable.test.ts',
      'test/protocol/rev2025-11-25/concurrency.test.ts',
      // HTTP transport and binding suites: the SDK's and src/http's ground, seconds each per mutant.
      ...(set === 'engine' || !SETS[set]
        ? [
            'test/protocol/streamableHttp.test.ts',
            'test/protocol/rev2025-11-25/standaloneInput.http.test.ts',
            'test/protocol/security/binding.test.ts',
            'test/faults/connection.test.ts',
          ]
        : []),
      '**/node_modules/**',
    ],
    // The generated paths run in their first combination only (test/model/paths/memory.paths.test.ts).
    env: { MTA_MUTATION: '1' },
    setupFiles: ['test/support/failOnUnhandled.ts'],
    sequence: { sequencer: CheapestFirst },
    // Every test here takes well under a second unmutated; a mutant that makes one wait fails it
    // after 8 s instead of costing Stryker's timeout and a restarted worker.
    testTimeout: 8_000,
    hookTimeout: 8_000,
  },
});
