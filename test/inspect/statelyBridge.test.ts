import { describe, expect, it } from 'vitest';
import { startStatelyInspector } from '../../src/inspect/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

describe.skipIf(skipWithout('chromium', 'test/inspect/statelyBridge.test.ts'))(
  'the Stately bridge page a user opens (headless Chromium)',
  () => {
    it('connects to the loopback relay and receives the task lifecycle for the embedded inspector', async () => {
      const inspector = await startStatelyInspector({ port: 0 });
      const { browser, close } = await openChromium();
      const tasks = testTaskSupport({ inspect: inspector.inspect });
      try {
        const page = await browser.newPage();
        // The page embeds stately.ai/inspect; offline that frame cannot load, which this test does not need.
        await page.route(/^https:\/\/stately\.ai\//, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html', body: '<p>inspector</p>' }),
        );
        await page.goto(inspector.url);
        // The bridge script opens ws://localhost:<port>; the relay listens on 127.0.0.1 only.
        await page.waitForFunction('typeof ws !== "undefined" && ws.readyState === 1', null, { timeout: 10_000 });

        const session = await connectInMemory(tasks, (server) =>
          tasks.registerTool(server, 'job', { taskSupport: 'required' }, async (_args, task) => {
            await task.status('halfway');
            return { content: [{ type: 'text', text: 'ok' }] };
          }),
        );
        const task = await createTask(session.client, 'job', {});
        await taskResult(session.client, task.taskId);

        // Until the embedded inspector says it is connected, the bridge keeps what the relay sends.
        // (`buffer` is a top-level const of the bridge's script: reachable by name, not via globalThis.)
        await page.waitForFunction(
          'buffer.some((event) => event.type === "@xstate.snapshot" && event.snapshot && event.snapshot.value === "completed")',
          null,
          { timeout: 10_000 },
        );
        const received = (await page.evaluate('buffer.map((e) => [e.type, e.name ?? ""])')) as [string, string][];
        expect(received).toContainEqual(['@xstate.actor', 'taskSupport']);
        expect(received).toContainEqual(['@xstate.actor', task.taskId]);
        await session.close();
      } finally {
        await tasks.close();
        await close();
        await inspector.stop();
      }
    }, 40_000);
  },
);
