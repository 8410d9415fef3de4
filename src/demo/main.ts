import { TaskSupport } from '../TaskSupport.js';
import { demoBackend } from './backend.js';
import { demoBearerAuth } from './bearerAuth.js';
import { demoConfig } from './config.js';
import type { DemoConfig } from './config.js';
import { healthRoute } from './health.js';
import { serveHttp } from './httpServer.js';
import { observeDemo } from './observability.js';
import { cannotListen, messageOf, sayDemo, stopOnSignals, stopWithParent } from './lifecycle.js';
import { createDemoMcpServer } from './tools.js';
import { demoPlacement, runDemoWorker } from './workerRole.js';

// Output is for whoever reads it; a reader that went away (`npm start | head -1`) must not end the
// server with an unhandled EPIPE 'error' event.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

// Every way to start wrong (a bad flag or env value, a taken port, an unreachable Redis) ends here:
// one line saying what, exit 1, never a stack trace.
try {
  // `--sdk v2`: the same tools and task engine on SDK v2 (@modelcontextprotocol/server), both eras on /mcp.
  const config = demoConfig(process.argv.slice(2), process.env);
  const stop = config.sdk === 'v2' ? await (await import('./v2.js')).runV2Demo(config) : await runV1Demo(config);
  const stopNow = stopOnSignals(stop);
  if (process.env['npm_lifecycle_event'] === 'start') stopWithParent(stopNow);
} catch (error) {
  sayDemo(messageOf(error));
  process.exit(1);
}

async function runV1Demo(config: DemoConfig): Promise<() => Promise<void>> {
  const { port, host, operator, stateless, role, secondMs } = config;
  const backend = await demoBackend();
  // `--role front|worker` splits MCP serving and task work over a BullMQ worker pool (REDIS_URL).
  const placement = await demoPlacement(role);
  if (role === 'worker' && placement) return runDemoWorker(backend, placement, secondMs);
  // The live view and per-task /health are operator pages: on by default on loopback, elsewhere only
  // with MTA_OPERATOR_TOKEN (see operator.ts). `--inspect` adds the Stately inspector.
  const observe = await observeDemo({
    liveView: operator.enabled ?? false,
    statelyPort: config.statelyPort,
    // A front's live view shows its worker pool: jobs waiting per tool, and which worker runs each.
    ...(placement ? { pool: () => placement.view() } : {}),
  });
  // `--stateless`: no initialize reaches the server that runs a tools/call, so the demo takes its
  // clients to support form elicitation and sampling (a client that does not answers -32601, which fails the task).
  const assumed = stateless ? { statelessClientCapabilities: { elicitation: { form: {} }, sampling: {} } } : {};
  const tasks = new TaskSupport({ ...backend.options, ...assumed, inspect: observe.inspect, ...(placement ? { placement } : {}) });
  const running = await serveHttp(tasks, (t) => createDemoMcpServer(t, secondMs ? { secondMs } : {}), {
    port,
    host,
    operator,
    routes: async (req, res, access) => healthRoute(tasks, req, res, access) || observe.routes(req, res, access),
    authenticate: demoBearerAuth,
    sessions: !stateless,
  }).catch((error: unknown) => {
    throw cannotListen(host, port, error);
  });
  const mode = stateless ? 'stateless Streamable HTTP' : 'Streamable HTTP';
  // One write: whoever reads the output (a test, a supervisor) sees the banner whole or not at all.
  console.log(
    [
      `mcp-task-actors demo: MCP endpoint ${running.url} (${mode}, ${backend.description})`,
      'tools: countdown (optional task), echo, approve (elicitation), summarize (sampling)',
      ...observe.describe(running.url, running.operator.tokenRequired),
    ].join('\n'),
  );
  return async () => {
    await tasks.close();
    await running.close();
    await observe.stop();
    await backend.close();
  };
}
