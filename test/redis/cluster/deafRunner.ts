/**
 * What the tests of a runner whose subscriber is away on the test Redis Cluster share: plain
 * connections to its masters, the connections of a name, a Redis user of the runner's own, and
 * instances (backend, TaskSupport, session), all closed after each test.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { Redis } from 'ioredis';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../../src/redis/index.js';
import { connectInMemory } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/** The ids of the connections named `name`, per node (CLIENT LIST). */
export async function connectionsNamed(nodes: Redis[], name: string): Promise<string[][]> {
  return Promise.all(
    nodes.map(async (node) =>
      ((await node.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]!),
    ),
  );
}

/** Session setup registering `gated`: it waits for `gate`, then elicits one value, which becomes its text. */
export function gatedTool(tasks: TaskSupport, gate: Promise<void>): Parameters<typeof connectInMemory>[1] {
  return (server) =>
    tasks.registerTool(server, 'gated', { taskSupport: 'required' }, async (_args, task) => {
      await gate;
      const answer = await task.elicit({
        message: 'go on?',
        requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
      });
      return { content: [{ type: 'text', text: String(answer.content?.['value'] ?? answer.action) }] };
    });
}

/**
 * The builders of a test file, with a `leaseMs` lease by default; what they make, and whatever the
 * test adds to `cleanups`, is closed after each test (last made, first closed). Call at the top
 * level of a test file.
 */
export function deafRunnerKit(leaseMs: number) {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** One plain connection per master of the test cluster, for what the test does to the nodes. */
  function nodeClients(): Redis[] {
    const clients = inject('redisClusterNodes').map((seed) => {
      const at = seed.lastIndexOf(':');
      const client = new Redis({ host: seed.slice(0, at), port: Number(seed.slice(at + 1)), maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      return client;
    });
    cleanups.push(async () => clients.forEach((c) => c.disconnect()));
    return clients;
  }

  /** A backend on the test cluster, swept every 100 ms. */
  async function backend(
    prefix: string,
    instanceId: string,
    redis?: RedisTaskBackendOptions['redis'],
    lease = leaseMs,
  ): Promise<RedisTaskBackend> {
    const made = await createRedisTaskBackend({
      clusterNodes: inject('redisClusterNodes'),
      prefix,
      instanceId,
      leaseMs: lease,
      sweepEveryMs: 100,
      ...(redis ? { redis } : {}),
    });
    cleanups.push(() => made.close());
    return made;
  }

  /** TaskSupport on `made` for caller alice, logging into `errors` and `warnings`. */
  function taskSupport(made: RedisTaskBackend, errors: unknown[][], warnings: unknown[][] = []): TaskSupport {
    const tasks = new TaskSupport({
      store: made.store,
      queue: made.queue,
      cluster: made.cluster,
      pollInterval: 100,
      identify: () => 'alice',
      logger: { warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void errors.push(args) },
    });
    cleanups.push(() => tasks.close());
    return tasks;
  }

  /** An in-memory session with `tasks`. */
  async function session(tasks: TaskSupport, setup: Parameters<typeof connectInMemory>[1] = () => {}): Promise<Session> {
    const made = await connectInMemory(tasks, setup);
    cleanups.push(() => made.close());
    return made;
  }

  /**
   * A Redis user of its own on every master (all rights, until the test takes some away);
   * `subscriberName` is the name ioredis gives the cluster subscriber of a client that logs in as it
   * with `connectionName` its name (ClusterSubscriber).
   */
  async function runnerUser(nodes: Redis[]): Promise<{ user: string; password: string; subscriberName: string }> {
    const user = `runner${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await Promise.all(nodes.map((n) => n.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all')));
    cleanups.push(async () => void (await Promise.all(nodes.map((n) => n.call('ACL', 'DELUSER', user).catch(() => {})))));
    return { user, password, subscriberName: `ioredis-cluster(subscriber):${user}` };
  }

  return { cleanups, nodeClients, backend, taskSupport, session, runnerUser };
}
