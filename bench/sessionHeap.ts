/**
 * What a live task keeps of its session once that session ended (issue 14: tasks outlive their
 * session for their ttl, and each kept its session's router and TaskSession):
 *
 *   npm run bench:heap:session -- [N=3000]
 *
 * Three rows, each N after 200 warm-up, over InMemoryTransport with a client that keeps nothing:
 * - sessions that made no task, closed (what a session leaves behind, expected near 0);
 * - live tasks made on one session that stays open (the task's own heap: work that awaits its
 *   `task.signal`);
 * - sessions that each made one such task, closed.
 * The last row minus the middle one is what an ended session costs while its task lives. Heap
 * after forced collections, per session or task. Compiled with tsc like `npm run bench:heap`.
 */
import { oursImpl } from './impls/ours.js';
import { settledHeap } from './stats.js';
import { WireClient } from './wireClient.js';

type Row = 'no task, closed' | 'one live task per open session' | 'one live task, session closed';

const count = Number(process.argv[2] ?? 3_000);
const WARM_UP = 200;

async function measure(row: Row): Promise<number> {
  const impl = oursImpl();
  const open = row === 'one live task per open session' ? await WireClient.connect(impl.createSession()) : undefined;
  const one = async (run: number): Promise<void> => {
    if (open) {
      await open.createTask('hang', run);
      return;
    }
    const wire = await WireClient.connect(impl.createSession());
    if (row === 'one live task, session closed') await wire.createTask('hang', run);
    await wire.close();
  };
  for (let i = 0; i < WARM_UP; i++) await one(i);
  const before = await settledHeap();
  for (let i = 0; i < count; i++) await one(WARM_UP + i);
  const after = await settledHeap();
  await open?.close();
  await impl.close();
  return (after - before) / count;
}

const rows: Row[] = ['no task, closed', 'one live task per open session', 'one live task, session closed'];
const bytes = new Map<Row, number>();
for (const row of rows) bytes.set(row, await measure(row));
console.log(`Node ${process.version}; ${count} each after ${WARM_UP} warm-up; heap bytes per session (per task on the open session)`);
for (const row of rows) console.log(`${row.padEnd(32)} ${bytes.get(row)!.toFixed(0).padStart(6)}`);
const kept = bytes.get('one live task, session closed')! - bytes.get('one live task per open session')!;
console.log(`${'kept of an ended session'.padEnd(32)} ${kept.toFixed(0).padStart(6)}`);
