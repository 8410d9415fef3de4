/**
 * What the server keeps per live task, by kind of heap object (issue 14):
 *
 *   npm run bench:heap -- [working|input] [N=20000] [rows=40] [holders=6]
 *
 * Creates 1,000 warm-up tasks, takes a heap snapshot, creates N more in the same state (work that
 * awaits its `task.signal`, or one unanswered elicitation) over InMemoryTransport, takes a second
 * snapshot, and prints the objects that are new in the second, grouped by node type and
 * constructor / function name (plain objects by their first property names), per task, each with
 * what holds it (edge <- holder). Compiled with tsc like `npm run bench` (tsx's transform keeps more per object).
 */
import { openSync, readSync, closeSync, fstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { oursImpl } from './impls/ours.js';
import { pool, settledHeap } from './stats.js';
import { WireClient } from './wireClient.js';
import { waitFor, waitForStatus } from './workloads/memory.js';

type State = 'working' | 'input';
const TOOL: Record<State, string> = { working: 'hang', input: 'ask' };
const STATUS: Record<State, string> = { working: 'working', input: 'input_required' };

interface Group {
  count: number;
  bytes: number;
}

interface Snapshot {
  nodes: Uint32Array;
  edges: Uint32Array;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
  width: number;
  edgeWidth: number;
  at: { type: number; name: number; id: number; size: number; edgeCount: number };
  firstEdge?: Uint32Array;
}

/** The integers of one flat array of a .heapsnapshot, starting after `key`, parsed by hand. */
function integers(buffer: Buffer, key: string): { values: Uint32Array; end: number } {
  let i = buffer.indexOf(key) + key.length;
  const values: number[] = [];
  let n = 0;
  let inNumber = false;
  for (; ; i++) {
    const c = buffer[i]!;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      inNumber = true;
    } else {
      if (inNumber) values.push(n);
      n = 0;
      inNumber = false;
      if (c === 93) break; // ]
    }
  }
  return { values: Uint32Array.from(values), end: i };
}

/** A .heapsnapshot read without parsing the whole file as one string (it may exceed V8's string limit). */
function readSnapshot(file: string): Snapshot {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const buffer = Buffer.allocUnsafe(size);
  for (let read = 0; read < size;) read += readSync(fd, buffer, read, size - read, read);
  closeSync(fd);
  const nodesAt = buffer.indexOf('"nodes":[');
  const header = JSON.parse(buffer.toString('utf8', 0, buffer.lastIndexOf('}', nodesAt) + 1) + '}') as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  };
  const meta = header.snapshot.meta;
  const nodes = integers(buffer, '"nodes":[');
  const edges = integers(buffer, '"edges":[');
  const stringsAt = buffer.indexOf('"strings":[', edges.end);
  const strings = JSON.parse(buffer.toString('utf8', stringsAt + '"strings":'.length, buffer.lastIndexOf(']') + 1)) as string[];
  const f = meta.node_fields;
  return {
    nodes: nodes.values,
    edges: edges.values,
    strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    width: f.length,
    edgeWidth: meta.edge_fields.length,
    at: {
      type: f.indexOf('type'),
      name: f.indexOf('name'),
      id: f.indexOf('id'),
      size: f.indexOf('self_size'),
      edgeCount: f.indexOf('edge_count'),
    },
  };
}

function keyOf(s: Snapshot, k: number): string {
  const type = s.nodeTypes[s.nodes[k + s.at.type]!]!;
  let name = s.strings[s.nodes[k + s.at.name]!]!;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = '';
  if (name.length > 50) name = name.slice(0, 47) + '...';
  // Plain objects are told apart by their first property names.
  if (type === 'object' && name === 'Object' && s.firstEdge) {
    const names: string[] = [];
    for (let e = s.firstEdge[k / s.width]!; e < s.firstEdge[k / s.width + 1]! && names.length < 5; e += s.edgeWidth) {
      if (s.edgeTypes[s.edges[e]!] === 'property') names.push(s.strings[s.edges[e + 1]!]!);
    }
    name += `{${names.join(',')}}`;
  }
  return `${type}:${name}`;
}

/** Where each node's edges start (index into `edges`), plus one past the end. */
function indexEdges(s: Snapshot): void {
  const count = s.nodes.length / s.width;
  const first = new Uint32Array(count + 1);
  let edge = 0;
  for (let i = 0; i < count; i++) {
    first[i] = edge;
    edge += s.nodes[i * s.width + s.at.edgeCount]! * s.edgeWidth;
  }
  first[count] = edge;
  s.firstEdge = first;
}

function idsOf(s: Snapshot): Set<number> {
  const ids = new Set<number>();
  for (let k = 0; k < s.nodes.length; k += s.width) ids.add(s.nodes[k + s.at.id]!);
  return ids;
}

interface Group {
  count: number;
  bytes: number;
  /** `edge <- parent key` of the new objects of this group, counted. */
  retainers: Map<string, number>;
}

/** Self size and count per `type:name` of the objects not in `old`, with what holds them. */
function summarise(s: Snapshot, old: Set<number>): Map<string, Group> {
  const groups = new Map<string, Group>();
  const isNew = (k: number): boolean => !old.has(s.nodes[k + s.at.id]!);
  for (let k = 0; k < s.nodes.length; k += s.width) {
    if (!isNew(k)) continue;
    const key = keyOf(s, k);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { count: 0, bytes: 0, retainers: new Map() }));
    group.count++;
    group.bytes += s.nodes[k + s.at.size]!;
  }
  let edge = 0;
  for (let k = 0; k < s.nodes.length; k += s.width) {
    const edgeCount = s.nodes[k + s.at.edgeCount]!;
    const parentKey = isNew(k) ? keyOf(s, k) : `(old) ${keyOf(s, k)}`;
    for (let e = 0; e < edgeCount; e++, edge += s.edgeWidth) {
      const to = s.edges[edge + 2]!;
      if (!isNew(to)) continue;
      const edgeType = s.edgeTypes[s.edges[edge]!]!;
      if (edgeType === 'weak') continue;
      const nameOrIndex = s.edges[edge + 1]!;
      const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${nameOrIndex}]` : s.strings[nameOrIndex]!;
      const label = `${edgeName.length > 30 ? edgeName.slice(0, 27) + '...' : edgeName} <- ${parentKey}`;
      const retainers = groups.get(keyOf(s, to))!.retainers;
      retainers.set(label, (retainers.get(label) ?? 0) + 1);
    }
  }
  return groups;
}

async function main(): Promise<void> {
  const state = (process.argv[2] ?? 'working') as State;
  const count = Number(process.argv[3] ?? 20_000);
  const top = Number(process.argv[4] ?? 40);
  const retainerRows = Number(process.argv[5] ?? 6);
  const impl = oursImpl();
  const wire = await WireClient.connect(impl.createSession());
  await pool(1_000, 64, (i) => wire.createTask(TOOL[state], i));
  await waitFor(() => impl.probes.parked >= 1_000);
  const before = await settledHeap();
  const fileA = writeHeapSnapshot(join(tmpdir(), `heap-a-${process.pid}.heapsnapshot`));
  const ids: string[] = new Array<string>(count).fill('');
  await pool(count, 64, async (i) => {
    ids[i] = await wire.createTask(TOOL[state], 10_000 + i);
  });
  await waitFor(() => impl.probes.parked >= 1_000 + count);
  await waitForStatus(impl, ids, STATUS[state]);
  const after = await settledHeap();
  const fileB = writeHeapSnapshot(join(tmpdir(), `heap-b-${process.pid}.heapsnapshot`));
  console.log(`${state}: ${count} tasks, heapUsed ${((after - before) / count).toFixed(0)} B per task`);
  const old = idsOf(readSnapshot(fileA));
  rmSync(fileA);
  const snapshotB = readSnapshot(fileB);
  indexEdges(snapshotB);
  const groups = summarise(snapshotB, old);
  rmSync(fileB);
  const rows = [...groups].map(([key, g]) => ({ key, count: g.count / count, bytes: g.bytes / count, retainers: g.retainers }));
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(
    `objects created after the warm-up and still alive: ${total.toFixed(0)} B per task\n   bytes   count  type:name   (held by, per task)`,
  );
  for (const row of rows.slice(0, top)) {
    console.log(`${row.bytes.toFixed(0).padStart(8)} ${row.count.toFixed(2).padStart(7)}  ${row.key}`);
    const held = [...row.retainers].sort((x, y) => y[1] - x[1]).slice(0, retainerRows);
    for (const [label, n] of held)
      if (n / count >= 0.05) console.log(`                    ${(n / count).toFixed(2).padStart(5)}  ${label}`);
  }
  await impl.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
