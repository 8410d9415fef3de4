import { TaskSupport } from '../TaskSupport.js';
import { demoBackend } from './backend.js';
import { demoBearerAuth } from './bearerAuth.js';
import { healthRoute } from './health.js';
import { serveHttp } from './httpServer.js';
import { observeDemo, statelyPortFromArgs } from './observability.js';
import { operatorFromArgs } from './operator.js';
import type { OperatorOptions } from './operator.js';
import { createDemoMcpServer } from './tools.js';
import { demoPlacement, roleFromArgs, runDemoWorker } from './workerRole.js';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const args = process.argv.slice(2);
// The live view and per-task /health are operator pages: on by default on loopback, elsewhere only
// with MTA_OPERATOR_TOKEN (see operator.ts). `--inspect` adds the Stately inspector.
const operator = ((): OperatorOptions => {
  try {
    return operatorFromArgs(args, process.env, host);
  } catch (error) {
    console.error(`mcp-task-actors demo: ${error instanceof Error ? error.message : String(error)}`);
    return process.exit(1);
  }
})();
// `--sdk v2`: the same tools and task engine on SDK v2 (@modelcontextprotocol/server), both eras on /mcp.
const sdkIndex = args.indexOf('--sdk');
const sdk = sdkIndex >= 0 ? args[sdkIndex + 1] : 'v1';
// `--stateless`: no sessions (SDK v1 only); answers to elicitation and sampling are bound to the bearer principal.
const stateless = args.includes('--stateless');
if (stateless && sdk !== 'v1') {
  console.error('mcp-task-actors demo: --stateless is for the SDK v1 demo (the --sdk v2 demo already serves 2026-07-28 statelessly)');
  process.exit(1);
}
if (sdk === 'v2') await (await import('./v2.js')).runV2Demo(port, host, operator);
else if (sdk === 'v1') await runV1Demo();
else {
  console.error(`mcp-task-actors demo: --sdk must be v1 or v2, got ${String(sdk)}`);
  process.exit(1);
}

async function runV1Demo(): Promise<void> {
  // `--role front|worker` splits MCP serving and task work over a BullMQ worker pool (REDIS_URL).
  const role = (() => {
    try {
      return roleFromArgs(args);
    } catch (error) {
      console.error(`mcp-task-actors demo: ${error instanceof Error ? error.message : String(error)}`);
      return process.exit(1);
    }
  })();
  const backend = await demoBackend();
  const placement = await demoPlacement(role);
  if (role === 'worker' && placement) return runDemoWorker(backend, placement, {});
  const observe = await observeDemo({
    liveView: operator.enabled ?? false,
    statelyPort: statelyPortFromArgs(args),
    // A front's live view shows its worker pool: jobs waiting per tool, and which worker runs each.
    ...(placement ? { pool: () => placement.view() } : {}),
  });
  // Stateless: no initialize reaches the server that runs a tools/call, so the demo takes its
  // clients to support form elicitation and sampling (a client that does not answers -32601, which fails the task).
  const assumed = stateless ? { statelessClientCapabilities: { elicitation: { form: {} }, sampling: {} } } : {};
  const tasks = new TaskSupport({ ...backend.options, ...assumed, inspect: observe.inspect, ...(placement ? { placement } : {}) });
  const secondMs = process.env['DEMO_SECOND_MS'] ? Number(process.env['DEMO_SECOND_MS']) : undefined;
  const running = await serveHttp(tasks, (t) => createDemoMcpServer(t, secondMs ? { secondMs } : {}), {
    port,
    host,
    operator,
    routes: async (req, res, access) => healthRoute(tasks, req, res, access) || observe.routes(req, res, access),
    authenticate: demoBearerAuth,
    sessions: !stateless,
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

  const stop = async (): Promise<void> => {
    await tasks.close();
    await running.close();
    await observe.stop();
    await backend.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
