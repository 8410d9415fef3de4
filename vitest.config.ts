import { defineConfig } from 'vitest/config';

/** The protocol suite that runs twice: on the in-memory store and on a real Redis server. */
const protocolSuite = [
  'test/toolCall.test.ts',
  'test/tasksGet.test.ts',
  'test/tasksResult.test.ts',
  'test/tasksCancel.test.ts',
  'test/tasksList.test.ts',
  'test/ttl.test.ts',
  'test/isolation.test.ts',
  'test/authPrincipal.test.ts',
  'test/statusNotifications.test.ts',
  'test/shutdown.test.ts',
  'test/concurrency.test.ts',
  'test/elicitation.test.ts',
  'test/sampling.test.ts',
  'test/streamableHttp.test.ts',
  'test/extension.test.ts',
  'test/extension.inputResponses.test.ts',
  // Issue 9's limits and security rules hold on Redis too (the fault tests count in-memory
  // internals for their leak census, so they stay in the memory project).
  'test/limits.test.ts',
  'test/security.anonymous.test.ts',
  'test/security.binding.test.ts',
  'test/security.errors.test.ts',
  'test/faults.store.test.ts',
  // Issue 12's flood limits (the memory budget measures this process's heap: memory project only).
  'test/limits.rate.test.ts',
  'test/limits.ttl.test.ts',
  'test/limits.notifications.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        test: {
          name: 'memory',
          include: ['test/**/*.test.ts'],
          exclude: ['test/redis/**', 'test/load/**', '**/node_modules/**'],
          // Any unhandled rejection or uncaught exception fails the test it surfaced in, and the run.
          setupFiles: ['test/support/failOnUnhandled.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'redis',
          include: [...protocolSuite, 'test/redis/**/*.test.ts'],
          // The cluster's own tests run in the redis-cluster project.
          exclude: ['test/redis/cluster/**', '**/node_modules/**'],
          globalSetup: ['test/redis/globalSetup.ts'],
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/perTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The same protocol suite on a real three-master Redis Cluster, plus the cluster's own tests.
          name: 'redis-cluster',
          include: [...protocolSuite, 'test/redis/cluster/**/*.test.ts'],
          globalSetup: ['test/redis/clusterGlobalSetup.ts'],
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/clusterPerTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
