/**
 * Redis's own counts, for `npm run bench:redis`: `INFO commandstats` (every command Redis ran,
 * those called inside scripts and queued in MULTI included), `INFO cpu`, and the client-issued
 * commands a `MONITOR` saw (what the server's round trips are made of). Plain parsers, tested in
 * test/bench/redisStats.test.ts.
 */

/** Calls per command, from the text of `INFO commandstats` (`cmdstat_<name>:calls=<n>,...`). */
export function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+),/.exec(line);
    if (match) calls.set(match[1]!.toLowerCase(), (calls.get(match[1]!.toLowerCase()) ?? 0) + Number(match[2]));
  }
  return calls;
}

/** Seconds of CPU (user + system, all threads) from the text of `INFO cpu`. */
export function parseCpuSeconds(info: string): number {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
    if (!match) throw new Error(`INFO cpu has no ${name}`);
    return Number(match[1]);
  };
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Commands that are the bench's own reading of the counts, not the server's work. */
const BENCH_COMMANDS = new Set(['info', 'config|resetstat', 'config', 'monitor', 'ping', 'cluster|info', 'cluster|slots', 'cluster|nodes']);

/** Adds several nodes' counts (a cluster's masters) and drops the bench's own commands. */
export function sumCommandStats(nodes: readonly Map<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const node of nodes) {
    for (const [name, calls] of node) if (!BENCH_COMMANDS.has(name)) total.set(name, (total.get(name) ?? 0) + calls);
  }
  return total;
}

/** Script runs among the counts (EVALSHA, EVAL, FCALL). */
export function scriptCalls(stats: Map<string, number>): number {
  return (stats.get('evalsha') ?? 0) + (stats.get('eval') ?? 0) + (stats.get('fcall') ?? 0);
}

/**
 * Round trips in `MONITOR` lines: one per command a client sent, except that commands run by a
 * script (`[0 lua]`) are part of the script's, and a MULTI … EXEC of one client is one round trip
 * (ioredis sends it as one write and waits once). Bench commands are left out.
 */
export function countRoundTrips(monitorLines: readonly string[]): number {
  let trips = 0;
  const inMulti = new Set<string>();
  for (const line of monitorLines) {
    const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
    if (!match) continue;
    const [, source, raw] = match;
    const command = raw!.toLowerCase();
    if (source === 'lua' || BENCH_COMMANDS.has(command)) continue;
    if (command === 'multi') {
      inMulti.add(source!);
      trips++;
    } else if (command === 'exec' || command === 'discard') inMulti.delete(source!);
    else if (!inMulti.has(source!)) trips++;
  }
  return trips;
}
