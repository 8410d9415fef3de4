/**
 * `new TaskSupport({ inspect: true, placement })` with no `cluster`: a worker pool needs one, and
 * TaskEngine said so by throwing, after `inspect: true` had started the Stately relay. The relay
 * then listened on its port with no handle left to stop it (the constructor threw), and the
 * process never ended by itself. The combination is now refused before anything starts.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWorkerPool } from '../../src/bullmq/index.js';
import { TaskSupport } from '../../src/index.js';

const servers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

/** Listens on `port` (loopback) and closes again: rejects with EADDRINUSE while the relay holds it. */
async function listenOnce(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a worker-pool placement without a cluster, with inspect: true', () => {
  it.each(['front', 'worker'] as const)('(%s) throws a TypeError before the Stately relay starts: its port stays free', async (role) => {
    // Lazy: the pool opens no Redis connection until it is used, which it never is here.
    const placement = createWorkerPool({ role, connection: { host: '127.0.0.1', port: 1 } });
    const port = await freePort();
    const before = servers();
    const logged: unknown[] = [];
    const log = (...args: unknown[]): void => void logged.push(args);
    try {
      expect(() => new TaskSupport({ inspect: true, inspectPort: port, placement, logger: { warn: log, error: log } })).toThrow(
        new TypeError(
          'mcp-task-actors: options.placement (a worker pool) needs options.cluster, e.g. createRedisTaskBackend(...).cluster: ' +
            'its tasks are stored where every front and worker reads them',
        ),
      );
      // The relay is started once its module is loaded (import() in lazyStatelyInspector.ts), and
      // listens within a few turns after: by then its port would be taken.
      await import('../../src/inspect/statelyInspector.js');
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(servers()).toBeLessThanOrEqual(before);
      await expect(listenOnce(port)).resolves.toBeUndefined();
      expect(logged).toEqual([]);
    } finally {
      await placement.close();
    }
  });
});
