import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { info, spawnOwnRedis } from './redisServer.js';

export { info };

const run = promisify(execFile);

/** One master of a test cluster: a redis-server this run started on 127.0.0.1. */
export interface ClusterNode {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  /** SIGKILL, as a crash: nothing flushed, no goodbye to the other nodes. */
  kill(): Promise<void>;
  /** Starts it again with its data dir and cluster config (it rejoins with its slots). */
  start(): Promise<void>;
}

/** A real Redis Cluster of three masters without replicas, started and stopped by a test run. */
export interface RedisCluster {
  nodes: ClusterNode[];
  /** `host:port` seeds, as REDIS_CLUSTER_NODES takes them. */
  seeds: string[];
  /** Stops exactly the processes this cluster started and removes their data dirs. */
  dispose(): Promise<void>;
}

/**
 * Starts three `redis-server --cluster-enabled yes` on free loopback ports and joins them with
 * `redis-cli --cluster create`. `cluster-require-full-coverage no` as the docs recommend: a dead
 * master fails only its own slots. A short node timeout so the others notice a kill quickly.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mta-cluster-'));
  const nodes: (ClusterNode & { stop(): Promise<void> })[] = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(join(dir, `node${i}`)));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-yes'], { timeout: 30_000 });
    await Promise.all(nodes.map((n) => waitForClusterOk(n.port)));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    seeds: nodes.map((n) => n.address),
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNode(dir: string): Promise<ClusterNode & { stop(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const args = (at: number): string[] => [
    ...['--port', String(at), '--bind', '127.0.0.1', '--dir', dir, '--protected-mode', 'yes'],
    ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000'],
    ...['--cluster-require-full-coverage', 'no', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
  ];
  const first = await spawnOwnRedis(args);
  let child: ChildProcess | undefined = first.child;
  const port = first.port;
  // A restart keeps its port: the cluster knows the node by it.
  const start = async (): Promise<void> => void (child = (await spawnOwnRedis(args, port)).child);
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  return { port, address: `127.0.0.1:${port}`, start, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** Resolves once the node reports `cluster_state:ok`. */
export async function waitForClusterOk(port: number, timeoutMs = 20_000): Promise<void> {
  await until(async () => (await info(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), timeoutMs, `cluster node ${port} not ok`);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}
