import { defineConfig } from 'vitest/config';

/**
 * What runs on both backends (in memory and on a real Redis server), chosen by folder: the protocol
 * behaviour and the backend faults. Everything else under test/ runs in memory only (tests that
 * count in-memory internals, e.g. the fault census or the heap budget, live outside these folders).
 */
const bothBackends = ['test/protocol/**/*.test.ts', 'test/faults/backend/**/*.test.ts'];
/** The suites that drive demo processes (`npm start`) on one Redis: protocol, extension requester, shared limits. */
const demoProcessesOnRedis = [
  'test/redis/multiInstance.test.ts',
  'test/redis/extTasksLegacy.test.ts',
  'test/redis/sharedLimitsDemo.test.ts',
];

/**
 * The tests that drive SDK v1 servers and clients, run again against the lowest `@modelcontextprotocol/sdk`
 * of the peer range (devDependency `sdk-v1-lowest`, an npm alias); the other projects run the newest.
 * SDK v2's range (^2.4.0) has one release so far, so its lowest is its newest.
 */
const sdkV1Facing = ['test/sdk/v1/**/*.test.ts', 'test/session/**/*.test.ts', 'test/protocol/rev2025-11-25/**/*.test.ts'];

/**
 * The tests of the Redis backend itself (store, queue, leases, outages, shared limits), run again
 * against the lowest `ioredis` of the peer range (devDependency `ioredis-lowest`, an npm alias of
 * 5.9.2, RESP2); the other projects run the newest (6.x, RESP3). BullMQ's worker pools stay on the
 * newest: BullMQ loads its own `ioredis`, which the alias does not reach.
 */
const ioredisFacing = [
  'test/redis/redisStore.test.ts',
  'test/redis/replyMapping.test.ts',
  'test/redis/settleReply.test.ts',
  'test/redis/batchWrites.test.ts',
  'test/redis/groupCommit.test.ts',
  'test/redis/leanScript.test.ts',
  'test/redis/staleWrites.test.ts',
  'test/redis/shutdownOutageLog.test.ts',
  'test/redis/claimIndex.test.ts',
  'test/redis/lostCommands.test.ts',
  'test/redis/outage.test.ts',
  'test/redis/redisRestart.test.ts',
  'test/redis/unreachable.test.ts',
  'test/redis/sharedLimits.test.ts',
  'test/redis/sharedLimitsOutage.test.ts',
  'test/redis/roundTrips.test.ts',
  'test/redis/takeoverRaces.test.ts',
  'test/redis/startDuringOutage.test.ts',
  'test/redis/settledElsewhere.test.ts',
  'test/redis/queueRelease.test.ts',
  'test/redis/queueNotificationCap.test.ts',
  'test/redis/expiryClock.test.ts',
  'test/redis/resultBringsEnd.test.ts',
  'test/redis/listenAcrossOutage.test.ts',
  'test/redis/heldInputs.test.ts',
];

/**
 * Files that mock a module (`vi.mock`): they run in a project of their own with isolation on. Every
 * other project runs with `isolate: false`, its files sharing a worker's loaded modules: evaluating
 * the library, the SDK and the test support again for every file was over a third of CI's test time
 * (CI's npm test reported 277 s of import and 272 s of setup against 934 s of tests). So a file must
 * leave no global state behind (failOnUnhandled.ts registers its listeners once per process for this).
 * Also isolated: a file that counts every timer armed in its process (`vi.spyOn(globalThis,
 * 'setTimeout')`), which a timer of an earlier file's closed backend made fail once in CI's run.
 */
const ownWorker = ['test/engine/taskIds.test.ts', 'test/engine/tasksResult.eventDriven.test.ts'];

/** Redis Cluster tests that start clusters of their own (see the redis-cluster-own project). */
const ownClusters = [
  'test/redis/cluster/failover.test.ts',
  'test/redis/cluster/failoverEnqueue.test.ts',
  'test/redis/cluster/migratingEnqueue.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two files at a time: most files wait on sockets, child processes and Redis rather than compute,
    // and Vitest's default on a 2-core machine (cores - 1) ran all of them one after another.
    maxWorkers: 2,
    projects: [
      {
        test: {
          isolate: false,
          name: 'memory',
          include: ['test/**/*.test.ts'],
          exclude: ['test/redis/**', 'test/load/**', ...ownWorker, '**/node_modules/**'],
          // Any unhandled rejection or uncaught exception fails the test it surfaced in, and the run.
          setupFiles: ['test/support/failOnUnhandled.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'memory-isolated',
          include: ownWorker,
          setupFiles: ['test/support/failOnUnhandled.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          // The protocol and backend-fault suites again with SDK v2 servers (test/support/harness.ts
          // serverSdkLine; HTTP endpoints from test/support/httpServers.ts), in memory.
          isolate: false,
          name: 'memory-sdk-v2',
          // Plus the extension over the demo's HTTP endpoint (on v2: the v2 demo's, in process).
          include: [...bothBackends, 'test/demo/extensionHttp.test.ts'],
          env: { MTA_SDK: 'v2' },
          setupFiles: ['test/support/failOnUnhandled.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        resolve: { alias: [{ find: /^@modelcontextprotocol\/sdk(?=\/|$)/, replacement: 'sdk-v1-lowest' }] },
        test: {
          isolate: false,
          name: 'sdk-v1-lowest',
          include: sdkV1Facing,
          setupFiles: ['test/support/failOnUnhandled.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          isolate: false,
          name: 'redis',
          include: [...bothBackends, 'test/redis/**/*.test.ts'],
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
          // The same suites with SDK v2 servers on a real Redis (the cluster project stays on SDK v1:
          // the SDK line sits above the store, and CI time is better spent elsewhere).
          isolate: false,
          name: 'redis-sdk-v2',
          // Plus the demo-process suites: `npm start -- --sdk v2` instances on one Redis (demoProcess.ts),
          // and the generated paths on two instances in their SDK v2 combinations.
          include: [...bothBackends, ...demoProcessesOnRedis, 'test/redis/modelPaths.test.ts'],
          env: { MTA_SDK: 'v2' },
          globalSetup: ['test/redis/globalSetup.ts'],
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/perTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The protocol, extension and input-required suites with the work on a worker pool: each
          // TaskSupport a test builds is a front, and a worker TaskSupport runs its jobs (BullMQ).
          isolate: false,
          name: 'redis-workers',
          include: ['test/protocol/rev2025-11-25/**/*.test.ts', 'test/protocol/tasksExtension/**/*.test.ts'],
          // Task-augmented requests to the client need the client's session, which a worker does not
          // hold: there `elicitAsTask` / `createMessageAsTask` fall back to plain requests (docs/redis.md,
          // "Worker pools"), so the client-task suites have nothing to check on this split.
          exclude: [
            'test/protocol/rev2025-11-25/clientTasks.test.ts',
            'test/protocol/rev2025-11-25/lateClientTask.test.ts',
            '**/node_modules/**',
          ],
          globalSetup: ['test/redis/globalSetup.ts'],
          env: { MTA_PLACEMENT: 'workers' },
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/workersPerTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias: [{ find: /^ioredis$/, replacement: 'ioredis-lowest' }] },
        test: {
          isolate: false,
          name: 'redis-ioredis-lowest',
          include: ioredisFacing,
          env: { MTA_IOREDIS: 'lowest' },
          globalSetup: ['test/redis/globalSetup.ts'],
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/perTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The same protocol suite on a real three-master Redis Cluster, plus the cluster's own tests.
          isolate: false,
          name: 'redis-cluster',
          include: [...bothBackends, 'test/redis/cluster/**/*.test.ts'],
          exclude: ownClusters,
          globalSetup: ['test/redis/clusterGlobalSetup.ts'],
          // One file at a time, after the other projects (group 1; the rest are group 0): the cluster
          // suites kill, restart and reshard the nodes every file of this project shares.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/clusterPerTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // Cluster tests that start clusters of their own (with replicas, or to migrate a slot) and
          // touch no shared node: with the other projects rather than after them, as they mostly
          // wait for failovers (about a minute in all).
          isolate: false,
          name: 'redis-cluster-own',
          include: ownClusters,
          globalSetup: ['test/redis/clusterGlobalSetup.ts'],
          setupFiles: ['test/support/failOnUnhandled.ts', 'test/redis/clusterPerTest.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
