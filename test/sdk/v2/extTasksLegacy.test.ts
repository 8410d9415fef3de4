/**
 * Issue 18, part 1: the MCP project's own requester, `@modelcontextprotocol/ext-tasks` (0.2.2), on
 * the SDK v2 client in the legacy (2025-11-25) era, against the demo as `npm start` runs it (a
 * process), in memory and, with REDIS_URL, on Redis with two instances. ext-tasks never calls
 * `tasks/result` on `input_required`: it polls `tasks/get` and waits for the input request as a
 * server request carrying the related-task `_meta`, so the server must push it on the session's
 * standalone stream.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';
import { closeRequestersAfterAll, drivesTheDemo } from '../../support/extTasksRequester.js';

closeRequestersAfterAll();

describe('ext-tasks (legacy era) drives the demo, in memory', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemoProcess({ DEMO_SECOND_MS: '100', REDIS_URL: '' });
  }, 30_000);
  afterAll(async () => demo?.stop());
  drivesTheDemo(() => demo);
});

describe('ext-tasks (legacy era) drives the SDK v2 demo (`npm start -- --sdk v2`), in memory', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemoProcess({ DEMO_SECOND_MS: '100', REDIS_URL: '' }, ['--sdk', 'v2']);
  }, 30_000);
  afterAll(async () => demo?.stop());
  drivesTheDemo(() => demo);
});
