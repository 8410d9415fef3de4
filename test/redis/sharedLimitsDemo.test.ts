import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createTask, taskResult } from '../support/harness.js';
import { bearerClient, startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { rpcError } from '../support/session.js';

// The demo takes its live-task limits from the environment; on Redis every instance counts against
// the same numbers, so a caller cannot hold N× the limit through N instances.
let a: DemoProcess;
let b: DemoProcess;
const clients: Client[] = [];

async function client(instance: DemoProcess, token: string): Promise<Client> {
  const c = await bearerClient(instance.url, token, {});
  clients.push(c);
  return c;
}

beforeAll(async () => {
  if (inject('redisUrl') === '') return; // no redis-server here: perTest.ts skips every test
  const env = {
    REDIS_URL: inject('redisUrl'),
    MTA_PREFIX: `dlim${randomBytes(4).toString('hex')}:`,
    MTA_MAX_LIVE_TASKS_PER_CALLER: '1',
    MTA_MAX_LIVE_TASKS: '2',
    DEMO_SECOND_MS: '100',
  };
  [a, b] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('demo instances with MTA_MAX_LIVE_TASKS_PER_CALLER and MTA_MAX_LIVE_TASKS on one Redis', () => {
  it('refuses a caller’s second live task on the other instance, and the third caller’s task overall, until one ends', async () => {
    const aliceOnA = await client(a, 'alice-token');
    const aliceOnB = await client(b, 'alice-token');
    const bobOnB = await client(b, 'bob-token');
    const carolOnA = await client(a, 'carol-token');
    // DEMO_SECOND_MS 100: a countdown of 20 "seconds" runs 2 s, long enough to outlast the checks.
    const running = await createTask(aliceOnA, 'countdown', { seconds: 20 });
    const refused = await rpcError(createTask(aliceOnB, 'countdown', { seconds: 1 }));
    expect(refused.code).toBe(-32029);
    expect(refused.data).toMatchObject({ limit: 'maxLiveTasksPerCaller', max: 1 });
    await createTask(bobOnB, 'countdown', { seconds: 50 });
    expect((await rpcError(createTask(carolOnA, 'countdown', { seconds: 1 }))).data).toMatchObject({ limit: 'maxLiveTasks', max: 2 });
    await taskResult(aliceOnB, running.taskId);
    expect((await createTask(aliceOnB, 'countdown', { seconds: 1 })).status).toBe('working');
  });
});
