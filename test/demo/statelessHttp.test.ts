/**
 * The demo's stateless mode in memory (`npm start -- --stateless`, one instance): elicitation and
 * sampling answered by their own POSTs without a session, bound to the bearer principal. The same
 * cases run across two instances on Redis in test/redis/statelessAnswers.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import { demoBearerAuth } from '../../src/demo/bearerAuth.js';
import { serveHttp } from '../../src/demo/httpServer.js';
import type { RunningHttpServer } from '../../src/demo/httpServer.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { startDemoProcess } from '../support/demoProcess.js';
import { testTaskSupport } from '../support/harness.js';
import {
  anonymousTaskAnsweredAnonymously,
  elicitationAcrossInstances,
  forgedAnswersIgnored,
  samplingAcrossInstances,
} from '../support/statelessCases.js';
import type { StatelessScene } from '../support/statelessCases.js';

let tasks: TaskSupport;
let http: RunningHttpServer;
let scene: StatelessScene;

beforeAll(async () => {
  tasks = testTaskSupport({ statelessClientCapabilities: { elicitation: { form: {} }, sampling: {} } });
  http = await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 20 }), {
    port: 0,
    authenticate: demoBearerAuth,
    sessions: false,
  });
  scene = { a: http.url, b: http.url, clients: [] };
});
afterEach(async () => {
  for (const client of scene.clients.splice(0)) await client.close().catch(() => {});
});
afterAll(async () => {
  await tasks.close();
  await http.close();
});

describe('the demo served statelessly, in memory', () => {
  it('elicitation and sampling answered by a POST of their own', async () => {
    await elicitationAcrossInstances(scene, 'a');
    await samplingAcrossInstances(scene, 'b');
  });

  it('an answer from another principal or an anonymous stranger never resolves the task and reads like an unknown id', async () => {
    await forgedAnswersIgnored(scene);
  });

  it('an anonymous caller’s task is answered by an anonymous POST', async () => {
    await anonymousTaskAnsweredAnonymously(scene);
  });
});

// A demo process starts in several seconds on a loaded machine.
describe('npm start -- --stateless (in memory)', { timeout: 45_000 }, () => {
  it('serves statelessly: an elicitation answered by a POST of its own, as the demo process runs it', async () => {
    const demo = await startDemoProcess({}, ['--stateless']);
    try {
      expect(demo.output()).toContain('stateless Streamable HTTP, in-memory task store');
      const own: StatelessScene = { a: demo.url, b: demo.url, clients: [] };
      try {
        await elicitationAcrossInstances(own, 'a');
      } finally {
        for (const client of own.clients) await client.close().catch(() => {});
      }
    } finally {
      await demo.stop();
    }
  });

  it('refuses --stateless with --sdk v2, saying why', async () => {
    await expect(startDemoProcess({}, ['--stateless', '--sdk', 'v2'])).rejects.toThrow(/--stateless is for the SDK v1 demo/);
  });
});
