import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../support/redisServer.js';

/** One redis-server for the whole redis project; each test gets its own key prefix. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
