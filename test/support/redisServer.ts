import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server this test run started, on 127.0.0.1 and a free port, with its own data dir. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the process (SIGTERM: it writes its append-only file first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops it and removes its data dir. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `redis-server` (from PATH or /usr/bin) with durable appends, so a restart loses nothing stored. */
export async function startRedisServer(): Promise<RedisServer> {
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mta-redis-'));
  let child: ChildProcess | undefined;
  let startedOnce = false;
  const spawnServer = (): ChildProcess =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    );
  const start = async (): Promise<void> => {
    let spawned = (child = spawnServer());
    const started = Date.now();
    for (;;) {
      if (spawned.exitCode !== null || spawned.signalCode !== null) {
        // It could not listen: the port was taken between freePort and its bind (on a busy machine,
        // by another test's connection), or while it was stopped. A first start takes another port;
        // a restart keeps its own (clients reconnect there) and tries again until it is free.
        if (Date.now() - started > 10_000) throw new Error(`redis-server could not listen on ${port}`);
        if (!startedOnce) port = await freePort();
        else await new Promise((r) => setTimeout(r, 100));
        spawned = child = spawnServer();
        continue;
      }
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        // This redis-server, not another one that holds the port (ours then exits, unable to listen).
        const ours = (await probe.info('server')).includes(`process_id:${spawned.pid}\r\n`);
        probe.disconnect();
        if (ours) {
          startedOnce = true;
          return;
        }
      } catch {
        probe.disconnect();
      }
      if (Date.now() - started > 10_000) throw new Error('redis-server did not start (is it installed?)');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
