import { TaskSupport } from '../../src/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory } from './harness.js';
import type { Session } from './harness.js';
import { Jobs } from './jobs.js';

/** One server instance of a multi-instance test: its TaskSupport, a connected client, its jobs. */
export interface JobsInstance {
  tasks: TaskSupport;
  session: Session;
  jobs: Jobs;
}

/**
 * A server instance on `backend` serving the `job` tools of {@link Jobs}, every caller `alice` (so
 * instances share their tasks), polled every 100 ms, with a 1 s store timeout unless given. Its
 * backend, TaskSupport and session are closed by `later` (a test's cleanup list), in that order
 * reversed when the list runs last-in first-out.
 */
export async function jobsInstance(
  backend: RedisTaskBackend,
  later: (cleanup: () => Promise<void>) => void,
  options: { storeTimeout?: number; logger?: Pick<Console, 'warn' | 'error'> } = {},
): Promise<JobsInstance> {
  const quiet = (): void => {};
  const tasks = new TaskSupport({
    ...backend,
    storeTimeout: options.storeTimeout ?? 1000,
    pollInterval: 100,
    identify: () => 'alice',
    logger: options.logger ?? { warn: quiet, error: quiet },
  });
  const jobs = new Jobs();
  const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  later(() => backend.close());
  later(() => tasks.close());
  later(() => session.close());
  return { tasks, session, jobs };
}
