import type { TestProject } from 'vitest/node';
import { startRedisCluster } from '../support/redisCluster.js';

/** One three-master Redis Cluster for the whole redis-cluster project; each test gets its own key prefix. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.seeds);
  return () => cluster.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisClusterNodes: string[];
  }
}
