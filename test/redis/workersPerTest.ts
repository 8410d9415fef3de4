import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, inject } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createWorkerPool } from '../../src/bullmq/index.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { lazyBackend, setTaskSupportFactory } from '../support/harness.js';

// The redis-workers project: the protocol, extension and input-required suites against a split.
// Every TaskSupport a test builds becomes a *front* (placement role front: it stores tasks and
// enqueues a BullMQ job) and gets its own *worker* TaskSupport (role worker) that takes the jobs
// and runs the work. Both have their own Redis connections, instance id, engine, root actor and
// BullMQ queue/worker; all they share is the redis-server (store, message queue, cluster channel,
// job queue) under one key prefix. The worker lives in the test's process, not a child process:
// a test's tool work is a closure over its own state (deferreds, counters), which cannot cross a
// process boundary. So each `registerTool` on the front is mirrored onto the worker (first
// registration of a name wins, as a job names only its tool). test/redis/workers/ runs real
// worker processes (kill -9 and the rest).
const opened: RedisTaskBackend[] = [];
const workers: TaskSupport[] = [];
const frontActors = Object.getOwnPropertyDescriptor(TaskSupport.prototype, 'liveTaskActors')!.get!;

function connectionOf(url: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const parsed = new URL(url);
  // BullMQ's workers block on Redis: ioredis must retry their commands for ever.
  return { host: parsed.hostname, port: Number(parsed.port || 6379), maxRetriesPerRequest: null };
}

beforeEach((context) => {
  if (inject('redisUrl') === '') {
    context.skip();
    return;
  }
  const url = inject('redisUrl');
  setTaskSupportFactory((merged, asked) => {
    // A test that brings its own backend or placement is not split.
    if (asked.store || asked.queue || asked.cluster || asked.placement) return new TaskSupport(merged);
    const prefix = `t${randomBytes(6).toString('hex')}:`;
    const open = async (instanceId: string): Promise<RedisTaskBackend> => {
      const backend = await createRedisTaskBackend({ url, prefix, instanceId });
      opened.push(backend);
      return backend;
    };
    const connection = connectionOf(url);
    const jobs = `${prefix}jobs`;
    const front = new TaskSupport({
      ...merged,
      ...lazyBackend(open, `front-${randomBytes(3).toString('hex')}`),
      placement: createWorkerPool({ role: 'front', connection, prefix: jobs }),
    });
    const { inspect: _inspect, ...workerOptions } = merged;
    const worker = new TaskSupport({
      ...workerOptions,
      ...lazyBackend(open, `worker-${randomBytes(3).toString('hex')}`),
      // The suites start up to 1,000 tasks at once and expect each to run: no per-worker cap here.
      placement: createWorkerPool({ role: 'worker', connection, prefix: jobs, concurrency: 1_000 }),
    });
    workers.push(worker);
    const workerServer = new McpServer({ name: 'test-worker', version: '1.0.0' });
    const mirrored = new Set<string>();
    const register = front.registerTool.bind(front);
    front.registerTool = ((server, name, config, work) => {
      register(server, name, config, work);
      if (mirrored.has(name)) return;
      mirrored.add(name);
      worker.registerTool(workerServer, name, config, work);
    }) as TaskSupport['registerTool'];
    // The suites count task actors to prove none is left behind: with the split they live on the
    // worker, so the front reports both engines' counts (the front's own is 0 when all is dispatched).
    Object.defineProperty(front, 'liveTaskActors', {
      get: () => frontActors.call(front) + worker.liveTaskActors,
    });
    const close = front.close.bind(front);
    front.close = async () => {
      await close();
      await worker.close();
    };
    return front;
  });
});

afterEach(async () => {
  setTaskSupportFactory(undefined);
  while (workers.length > 0) await workers.pop()!.close();
  while (opened.length > 0) await opened.pop()!.close();
});
