import type { TestProject } from 'vitest/node';
import { skipWithout } from '../support/prerequisites.js';
import { startRedisServer } from '../support/redisServer.js';

/**
 * One redis-server for the whole redis project; each test gets its own key prefix. Without
 * redis-server (and outside CI) it says so once and provides an empty url: perTest.ts then skips
 * every test of the project. Under CI=true a missing redis-server fails the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (skipWithout('redis-server', `the ${project.name} project`)) {
    project.provide('redisUrl', '');
    return async () => {};
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when redis-server is missing on a local run (the project's tests are then skipped). */
    redisUrl: string;
  }
}
