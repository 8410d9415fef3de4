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
  const dir = mkdtempSync(join(tmpdir(), 'mta-redis-'));
  const args = (at: number): string[] => [
    ...['--port', String(at), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    ...['--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes'],
  ];
  const first = await spawnOwnRedis(args);
  let child: ChildProcess | undefined = first.child;
  const port = first.port;
  // Starts under way: a stop waits for them. A test that restarts Redis without waiting (`void
  // redis.start()` in a hook) may end first; its afterAll's dispose then stopped nothing, and the
  // child the start set afterwards outlived the run (an orphan redis-server, seen once in a full run).
  const starting = new Set<Promise<SpawnedRedis>>();
  // A restart keeps its port: clients reconnect there.
  const start = async (): Promise<void> => {
    const spawned = spawnOwnRedis(args, port);
    starting.add(spawned);
    try {
      child = (await spawned).child;
    } finally {
      starting.delete(spawned);
    }
  };
  const stop = async (): Promise<void> => {
    await Promise.allSettled([...starting]);
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
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

/** A redis-server child listening on its port. */
export interface SpawnedRedis {
  child: ChildProcess;
  port: number;
}

/**
 * Spawns `redis-server` with `args(port)` and resolves once it answers on that port as itself
 * (`INFO` process_id: not another server that holds the port). A child that exits first could not
 * listen: the port was taken between {@link freePort} and its bind (another test's connection, on a
 * busy machine: seen once). Without `port` a free one is found, and another after such an exit; a
 * given port is kept (clients, replicas and the cluster know the node by it) and tried again until
 * it is free. A child still not answering after `timeoutMs` is killed.
 */
export async function spawnOwnRedis(args: (port: number) => string[], port?: number, timeoutMs = 10_000): Promise<SpawnedRedis> {
  let at = port ?? (await freePort());
  let child = spawn('redis-server', args(at), { stdio: 'ignore' });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (port === undefined) at = await freePort();
      else await new Promise((r) => setTimeout(r, 100));
      child = spawn('redis-server', args(at), { stdio: 'ignore' });
    } else if (await answersAs(at, child.pid)) {
      return { child, port: at };
    }
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${at} (is it installed?)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether the server on `port` is the process `pid`. */
async function answersAs(port: number, pid: number | undefined): Promise<boolean> {
  return (await info(port, 'INFO', 'server')).includes(`process_id:${pid}\r\n`);
}

/** One command to the server on `port` over a throwaway connection; undefined when it does not answer (1 s). */
export async function ask(port: number, ...command: string[]): Promise<unknown> {
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return await probe.call(command[0]!, ...command.slice(1));
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** {@link ask} as a string ('' when the server does not answer). */
export async function info(port: number, ...command: string[]): Promise<string> {
  const reply = await ask(port, ...command);
  return reply === undefined ? '' : String(reply);
}
