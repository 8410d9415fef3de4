import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ask, info, spawnOwnRedis } from '../../support/redisServer.js';

export { info };

const run = promisify(execFile);

/** One redis-server of a replicated test cluster, started by this run on 127.0.0.1. */
export interface ReplicaNode {
  port: number;
  address: string;
  /** The process id, for kill -STOP / -CONT / -9 by id. */
  pid(): number;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again with its data dir and cluster config (nothing when it runs). */
  start(): Promise<void>;
  /** SIGSTOP: the process freezes, its sockets stay open (a stalled node). */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  stop(): Promise<void>;
}

/** A three-master Redis Cluster with one replica per master. */
export interface ReplicatedCluster {
  nodes: ReplicaNode[];
  seeds: string[];
  /** The node serving `slot` as master now (CLUSTER SLOTS asked of a live node). */
  masterOf(slot: number): Promise<ReplicaNode>;
  /** The replica of `master` now. */
  replicaOf(master: ReplicaNode): Promise<ReplicaNode>;
  /** Resolves once every node runs, says `cluster_state:ok`, and three replicas are in sync. */
  whole(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Six redis-servers (`--cluster-replicas 1`), a short node timeout so that failover happens within
 * about two seconds of a master's death, `cluster-require-full-coverage no` as docs/redis.md says.
 */
export async function startReplicatedCluster(options: { nodeTimeoutMs?: number; fullCoverage?: boolean } = {}): Promise<ReplicatedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mta-replicas-'));
  const nodes: ReplicaNode[] = [];
  const settings = { nodeTimeoutMs: options.nodeTimeoutMs ?? 2000, fullCoverage: options.fullCoverage ?? false };
  try {
    for (let i = 0; i < 6; i++) nodes.push(await startNode(join(dir, `node${i}`), settings));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    await whole(nodes);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const live = async (): Promise<ReplicaNode> => {
    for (const n of nodes) if ((await info(n.port, 'PING')) === 'PONG') return n;
    throw new Error('no cluster node answers');
  };
  const slots = async (): Promise<[number, number, [string, number, string], ...[string, number, string][]][]> => {
    const probe = await live();
    return JSON.parse(await clusterSlotsJson(probe.port)) as [number, number, [string, number, string]][];
  };
  return {
    nodes,
    seeds: nodes.map((n) => n.address),
    masterOf: async (slot) => {
      const range = (await slots()).find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} has no master`);
      return nodes.find((n) => n.port === range[2][1])!;
    },
    replicaOf: async (master) => {
      const id = (await info(master.port, 'CLUSTER', 'MYID')).trim();
      for (const n of nodes) {
        const replication = await info(n.port, 'CLUSTER', 'NODES');
        const me = replication.split('\n').find((line) => line.includes('myself'));
        if (me && me.split(' ')[3] === id) return n;
      }
      throw new Error(`no replica of ${master.address}`);
    },
    whole: () => whole(nodes),
    dispose: async () => {
      // Killed, not stopped: a master asked to stop waits for its replicas (shutdown-timeout), which
      // are stopping too, and the data is thrown away next.
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every node says `cluster_state:ok` and three replicas are in sync with their masters. */
async function whole(nodes: ReplicaNode[]): Promise<void> {
  await Promise.all(
    nodes.map((n) => waitFor(async () => (await info(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 30_000, 'cluster_state:ok')),
  );
  // Replicas in sync before a test fails a master over to them.
  await waitFor(
    async () => {
      const roles = await Promise.all(nodes.map((n) => info(n.port, 'INFO', 'replication')));
      return roles.filter((r) => r.includes('role:slave') && r.includes('master_link_status:up')).length === 3;
    },
    30_000,
    'three replicas in sync',
  );
}

/** CLUSTER SLOTS as JSON. */
async function clusterSlotsJson(port: number): Promise<string> {
  return JSON.stringify(await ask(port, 'CLUSTER', 'SLOTS'));
}

async function startNode(dir: string, settings: { nodeTimeoutMs: number; fullCoverage: boolean }): Promise<ReplicaNode> {
  mkdirSync(dir, { recursive: true });
  const args = (at: number): string[] => [
    ...['--port', String(at), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes'],
    ...['--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', String(settings.nodeTimeoutMs)],
    ...['--cluster-require-full-coverage', settings.fullCoverage ? 'yes' : 'no'],
    ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    // A replica that (re)joins its master syncs at once, not after Redis's default 5 s wait for
    // more replicas: a test's way back to a whole cluster takes about a second instead of six.
    ...['--repl-diskless-sync-delay', '0'],
  ];
  const first = await spawnOwnRedis(args);
  let child: ChildProcess | undefined = first.child;
  const port = first.port;
  const start = async (): Promise<void> => {
    // Already running: nothing to start (a second process would fail to bind and replace this one).
    if (child && child.exitCode === null && child.signalCode === null) return;
    // A restart keeps its port: the cluster knows the node by it.
    child = (await spawnOwnRedis(args, port)).child;
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      // A paused process does not act on SIGTERM until it runs again.
      running.kill('SIGCONT');
      running.kill(signal);
    });
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    pid: () => child?.pid ?? -1,
    start,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}

/** Resolves once `check` holds, polling every 50 ms. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
