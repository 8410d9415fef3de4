import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { defaultClientCapabilities } from '../../support/harness.js';
import type { Combination, SdkLine } from './combination.js';

/** ttl every path's task gets; only the `expire` step moves the (fake) clock, by exactly this much. */
export const PATH_TTL = 1000;

/** One server instance: its TaskSupport, and the path's client connected to it. */
export interface Instance {
  name: string;
  tasks: TaskSupport;
  client: Client;
  notifications: { method: string; params: unknown }[];
  closed: boolean;
}

/** Where a path runs: one instance in memory, or two on one Redis (same key prefix, same client principal). */
export interface Deployment {
  instances: Instance[];
  close(): Promise<void>;
}

function serverOf(line: SdkLine): McpServer {
  const info = { name: 'model-server', version: '1.0.0' };
  // A v2 McpServer is typed as v1's: the driver uses what both share (registerTool through TaskSupport, connect, close).
  return line === 'v2' ? (new McpServerV2(info) as unknown as McpServer) : new McpServer(info);
}

/**
 * Starts the instances of `combination`, each with the tool `register` adds, and connects one SDK
 * client to each. All clients are one caller (`identify` gives the same owner), so a task created
 * through one instance is the caller's own on the other.
 * `ttl`: the default ttl of the tasks (the paths' PATH_TTL unless a test on the real clock needs longer).
 */
export async function deploy(
  combination: Combination,
  register: (tasks: TaskSupport, server: McpServer) => void,
  redisUrl?: string,
  ttl = PATH_TTL,
): Promise<Deployment> {
  const prefix = `paths${randomBytes(6).toString('hex')}:`;
  const backends: RedisTaskBackend[] = [];
  const instances: Instance[] = [];
  const count = combination.backend === 'redis' ? 2 : 1;
  for (let i = 0; i < count; i++) {
    const name = String.fromCharCode(65 + i);
    let backend = {};
    if (combination.backend === 'redis') {
      if (!redisUrl) throw new Error('a Redis combination needs the redis project (redisUrl)');
      const opened = await createRedisTaskBackend({ url: redisUrl, prefix, instanceId: `paths-${name}-${prefix}` });
      backends.push(opened);
      backend = { store: opened.store, queue: opened.queue, cluster: opened.cluster };
    }
    const tasks = new TaskSupport({
      pollInterval: 10,
      minTtl: 0,
      defaultTtl: ttl,
      identify: () => 'model-client',
      logger: { warn: () => {}, error: () => {} },
      ...backend,
      limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity },
    });
    const server = serverOf(combination.sdk);
    register(tasks, server);
    tasks.enable(server);
    const client = new Client({ name: 'model-client', version: '1.0.0' }, { capabilities: defaultClientCapabilities });
    const notifications: Instance['notifications'] = [];
    client.fallbackNotificationHandler = async (n) => {
      notifications.push({ method: n.method, params: n.params });
    };
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    instances.push({ name, tasks, client, notifications, closed: false });
  }
  return {
    instances,
    close: async () => {
      for (const instance of instances) {
        await instance.client.close();
        if (!instance.closed) await instance.tasks.close();
        instance.closed = true;
      }
      for (const backend of backends) await backend.close();
    },
  };
}
