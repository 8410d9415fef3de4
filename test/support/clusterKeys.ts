import { Cluster } from 'ioredis';

/** Where a key lives on a Redis Cluster: its hash slot and the port of the master serving it. */
export interface KeyPlace {
  slot: number;
  port: number;
}

/** A plain ioredis Cluster client for looking at a test cluster from outside the backend. */
export function inspectCluster(seeds: string[]): Cluster {
  const cluster = new Cluster(
    seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    { enableOfflineQueue: true, clusterRetryStrategy: () => null },
  );
  cluster.on('error', () => {});
  cluster.on('node error', () => {});
  return cluster;
}

/** Slot (CLUSTER KEYSLOT, as Redis computes it) of a key. */
export async function keySlot(cluster: Cluster, key: string): Promise<number> {
  return Number(await cluster.cluster('KEYSLOT', key));
}

/** Port of the master serving each slot, from CLUSTER SLOTS. */
export async function slotOwners(cluster: Cluster): Promise<(slot: number) => number> {
  const ranges = await cluster.cluster('SLOTS');
  return (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`slot ${slot} has no master`);
    return range[2]![1];
  };
}

/** Every key matching `pattern` on every master, with where it lives. */
export async function keysOnCluster(cluster: Cluster, pattern: string): Promise<Map<string, KeyPlace>> {
  const found = new Map<string, KeyPlace>();
  const owner = await slotOwners(cluster);
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const slot = await keySlot(cluster, key);
        found.set(key, { slot, port: owner(slot) });
      }
    } while (cursor !== '0');
  }
  return found;
}
