/**
 * Stateless elicitation and sampling across two demo instances (`--stateless`) on the local
 * three-master Redis Cluster; the cases are in test/support/statelessCases.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';
import { statelessInstanceCases } from '../../support/statelessCases.js';
import type { StatelessScene } from '../../support/statelessCases.js';

let a: DemoProcess;
let b: DemoProcess;
let scene: StatelessScene;

beforeAll(async () => {
  if (inject('redisClusterNodes').length === 0) return; // no redis-server here: clusterPerTest.ts skips every test
  const env = { REDIS_CLUSTER_NODES: inject('redisClusterNodes').join(','), MTA_PREFIX: `stateless${randomBytes(4).toString('hex')}:` };
  [a, b] = await Promise.all([startDemoProcess(env, ['--stateless']), startDemoProcess(env, ['--stateless'])]);
  scene = { a: a.url, b: b.url, clients: [], runsOnA: (taskId) => a.runs(taskId) };
}, 60_000);

afterEach(async () => {
  for (const client of scene?.clients.splice(0) ?? []) await client.close().catch(() => {});
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('stateless Streamable HTTP, two demo instances on a Redis Cluster', () => {
  it('says it serves statelessly on the cluster', () => {
    expect(a.output()).toMatch(/stateless Streamable HTTP, Redis Cluster task store/);
  });

  statelessInstanceCases(() => scene);
});
