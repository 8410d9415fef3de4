import type { TaskPlacement } from '../backends/TaskPlacement.js';
import type { WorkerPool } from '../bullmq/index.js';
import { TaskSupport } from '../TaskSupport.js';
import type { DemoBackend } from './backend.js';
import { wholeNumberFromEnv } from './envNumber.js';
import { createDemoMcpServer } from './tools.js';

/** Where the demo runs task work: `both` in process (default), or split over BullMQ into `front` and `worker` processes. */
export type DemoRole = 'front' | 'worker' | 'both';

/** `--role front|worker|both` (default `both`). */
export function roleFromArgs(args: readonly string[]): DemoRole {
  const index = args.indexOf('--role');
  if (index < 0) return 'both';
  const role = args[index + 1];
  if (role === 'front' || role === 'worker' || role === 'both') return role;
  throw new Error(`--role must be front, worker or both, got ${String(role)}`);
}

/**
 * The worker pool of a `front` or `worker` demo process, on the demo's Redis (`REDIS_URL`). Its
 * settings come from the environment: `MTA_WORKER_CONCURRENCY` (jobs per tool per worker),
 * `MTA_GLOBAL_CONCURRENCY` (`tool:n,…`, jobs of a tool on all workers), `MTA_LOCK_MS` and
 * `MTA_STALLED_MS` (how fast a killed worker is found).
 */
export async function demoPlacement(role: DemoRole, env: NodeJS.ProcessEnv = process.env): Promise<WorkerPool | undefined> {
  if (role === 'both') return undefined;
  const url = env['REDIS_URL'];
  if (!url) throw new Error(`--role ${role} needs REDIS_URL (the fronts and workers share one Redis)`);
  // Loaded only when asked for: bullmq is an optional peer dependency.
  const { createWorkerPool } = await import('../bullmq/index.js');
  const tools: Record<string, { globalConcurrency: number }> = {};
  for (const pair of (env['MTA_GLOBAL_CONCURRENCY'] ?? '').split(',').filter(Boolean)) {
    const [tool, n] = pair.split(':');
    const globalConcurrency = /^\d+$/.test(n ?? '') ? Number(n) : 0;
    if (!tool || globalConcurrency < 1) throw new Error(`MTA_GLOBAL_CONCURRENCY must be tool:n,… (n at least 1), got "${pair}"`);
    tools[tool] = { globalConcurrency };
  }
  const lockDurationMs = wholeNumberFromEnv(env, 'MTA_LOCK_MS', 1);
  const stalledIntervalMs = wholeNumberFromEnv(env, 'MTA_STALLED_MS', 1);
  const concurrency = wholeNumberFromEnv(env, 'MTA_WORKER_CONCURRENCY', 1);
  return createWorkerPool({
    role,
    connection: { ...redisOptions(url), maxRetriesPerRequest: null },
    ...(env['MTA_PREFIX'] ? { prefix: `${env['MTA_PREFIX']}jobs` } : {}),
    tools,
    ...(lockDurationMs ? { lockDurationMs } : {}),
    ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
    ...(concurrency ? { concurrency } : {}),
  });
}

/**
 * A worker process: the demo's task tools, registered on a server that is never connected, running
 * jobs. Returns its stop (for the signal handlers of `main.ts`).
 */
export async function runDemoWorker(backend: DemoBackend, placement: TaskPlacement, secondMs?: number): Promise<() => Promise<void>> {
  const tasks = new TaskSupport({ ...backend.options, placement });
  createDemoMcpServer(tasks, secondMs ? { secondMs } : {});
  console.log(`mcp-task-actors demo: worker ready (${backend.description}); runs countdown, approve, summarize`);
  return async () => {
    await tasks.close();
    await backend.close();
  };
}

function redisOptions(url: string): { host: string; port: number; password?: string; username?: string; db?: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
  };
}
