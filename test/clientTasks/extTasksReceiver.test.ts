/**
 * Issue 18, part 2: task-augmented requests to the client against the official ext-tasks receiver
 * and requester, with the demo as `npm start` runs it (a process), in memory. The demo's `approve`
 * and `summarize` send their elicitation / sampling as client-side tasks when the client declares
 * `tasks.requests.*` and follow them to the result; cancelling the server task cancels the client's.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';
import { closeReceiversAfterAll, receivesClientTasks } from '../support/extTasksReceiver.js';

closeReceiversAfterAll();

describe('task-augmented requests to the official ext-tasks receiver (demo process, in memory)', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemoProcess({ DEMO_SECOND_MS: '100', REDIS_URL: '' });
  }, 30_000);
  afterAll(async () => demo?.stop());
  receivesClientTasks(() => demo);
});

describe('task-augmented requests to the official ext-tasks receiver (SDK v2 demo, `npm start -- --sdk v2`, in memory)', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemoProcess({ DEMO_SECOND_MS: '100', REDIS_URL: '' }, ['--sdk', 'v2']);
  }, 30_000);
  afterAll(async () => demo?.stop());
  receivesClientTasks(() => demo);
});
