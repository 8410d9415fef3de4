import type { TestProject } from 'vitest/node';
import { skipWithout } from '../support/prerequisites.js';
import { startRedisCluster } from '../support/redisCluster.js';

/**
 * One three-master Redis Cluster for the whole redis-cluster project; each test gets its own key
 * prefix. Without redis-server (and outside CI) it says so once and provides no seeds:
 * clusterPerTest.ts then skips every test of the project.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const what = `the ${project.name} project`;
  if (skipWithout('redis-server', what) || skipWithout('redis-cli', what)) {
    project.provide('redisClusterNodes', []);
    return async () => {};
  }
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.seeds);
  return () => cluster.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when redis-server is missing on a local run (the project's tests are then skipped). */
    redisClusterNodes: string[];
  }
}
