import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, LIMIT_EXCEEDED, TASKS_EXTENSION_ID, TaskSupport, defaultTaskLimits } from '../../src/index.js';
import { connectInMemory, createTask, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { rpcError } from '../support/session.js';

// Issue 12, item 6: new tasks are refused (-32029, data.limit "memoryBudget") once the heap in use
// reaches the memory budget, before memory runs out. In-memory project only: the heap measured is
// this process's, whichever store holds the records.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
const heapUsed = () => getHeapStatistics().used_heap_size;

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

/** `hold` keeps `mb` MB of heap (a JS array) until its task is cancelled. */
async function setUp(memoryBudget: number) {
  const tasks = testTaskSupport({ limits: { memoryBudget } });
  open.tasks.push(tasks);
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'hold', { taskSupport: 'required', inputSchema: { mb: z.number() } }, ({ mb }, task) => {
      const held = new Array<number>((mb * MB) / 8).fill(0);
      return new Promise<CallToolResult>((_, reject) =>
        task.signal.addEventListener('abort', () => reject(new Error(`released ${held.length}`))),
      );
    }),
  );
  open.sessions.push(session);
  return { tasks, client: session.client };
}

describe('memory budget', () => {
  it('refuses new tasks once the heap in use reaches memoryBudget, on both protocols, and admits again once it falls', async () => {
    gc();
    const baseline = heapUsed();
    const budget = baseline + 48 * MB;
    const { client } = await setUp(budget);
    const admitted: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 30 && refusal === undefined; i++) {
      await createTask(client, 'hold', { mb: 8 }).then(
        (task) => void admitted.push(task.taskId),
        (error: unknown) => void (refusal = error),
      );
    }
    // 48 MB of room, 8 MB a task: at least 2 get in (garbage not yet collected may refuse sooner);
    // the most that may is checked below, once the room there really was is known.
    expect(admitted.length).toBeGreaterThanOrEqual(2);
    const error = await rpcError(Promise.reject(refusal));
    expect(error.code).toBe(LIMIT_EXCEEDED);
    expect(error.data).toEqual({ limit: 'memoryBudget', max: budget });
    expect(error.message).toContain(`Server memory budget reached (memoryBudget ${budget} bytes of heap in use); try again later`);
    // The tasks extension creates tasks through the same admission.
    const meta = { _meta: { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } } };
    const viaExtension = await rpcError(
      client.request({ method: 'tools/call', params: { name: 'hold', arguments: { mb: 1 }, ...meta } }, z.looseObject({})),
    );
    expect(viaExtension.data).toMatchObject({ limit: 'memoryBudget' });
    // A refused call created nothing; once the held memory is released, tasks are admitted again.
    expect((await client.experimental.tasks.listTasks()).tasks).toHaveLength(admitted.length);
    for (const taskId of admitted) await client.experimental.tasks.cancelTask(taskId);
    gc();
    const after = heapUsed();
    expect(after).toBeLessThan(budget);
    // At most 6 (48 MB ÷ 8), or one more per 8 MB the heap shrank below its baseline meanwhile: test
    // files share their worker (isolate: false), and an earlier file's leftovers collected after the
    // baseline made room for a 7th task once in a loaded run.
    expect(admitted.length).toBeLessThanOrEqual(Math.ceil((budget - Math.min(baseline, after)) / (8 * MB)));
    await createTask(client, 'hold', { mb: 1 });
  });

  it('defaults to half of the V8 heap limit, and Infinity turns it off', async () => {
    expect(defaultTaskLimits.memoryBudget).toBe(Math.floor(getHeapStatistics().heap_size_limit / 2));
    const { client } = await setUp(Infinity);
    await createTask(client, 'hold', { mb: 1 });
    const tiny = await setUp(1);
    expect((await rpcError(createTask(tiny.client, 'hold', { mb: 1 }))).data).toEqual({ limit: 'memoryBudget', max: 1 });
    expect(() => TaskSupport.inMemory({ limits: { memoryBudget: 0 } })).toThrow(RangeError);
  });
});
