// One caller, two sessions (one principal: `identify`), and a task of the first session whose input
// request travels on a tasks/result of the second. Only the task's own session hears that the task
// stopped waiting for a request (TaskSession.forget), so the second session's router kept every such
// request it delivered until its connection closed: one entry per ask, for a connection's whole life
// (stdio: the process's), however the ask ended. It now looks for settled ones when its tracked
// count doubles, so they stay fewer than the live ones plus 64.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema, CancelTaskResultSchema, ElicitRequestSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/** What the router of `session`'s server tracks as awaited on its connection (private: a leak hides where the API does not look). */
function awaited(tasks: TaskSupport, session: Session): number {
  interface Router {
    connection: object;
    tracked: { awaiting: WeakMap<object, Map<string, string>> } | undefined;
  }
  const { router } = (tasks as unknown as { sessions: { of(server: object): { router: Router } } }).sessions.of(session.server);
  return router.tracked?.awaiting.get(router.connection)?.size ?? 0;
}

const ROUNDS = 100;
let tasks: TaskSupport | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.close();
  await tasks?.close();
});

/** Sessions `a` and `b` of one caller; tool `gated` asks once when released. `b`'s user never answers, `a`'s accepts. */
async function setup(): Promise<{ tasks: TaskSupport; a: Session; b: Session; release(): void; askedB(): number }> {
  const t = (tasks = testTaskSupport({ identify: () => 'one-principal' }));
  const held: (() => void)[] = [];
  const register = (server: Session['server']): void => {
    t.registerTool(server, 'gated', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      await new Promise<void>((resolve) => held.push(resolve));
      const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: answer.action }] };
    });
  };
  const a = await connectInMemory(t, register);
  const b = await connectInMemory(t, register);
  sessions.push(a, b);
  a.client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: {} }));
  let asked = 0;
  b.client.setRequestHandler(ElicitRequestSchema, () => {
    asked++;
    return new Promise(() => {});
  });
  return { tasks: t, a, b, release: () => held.splice(0).forEach((resolve) => resolve()), askedB: () => asked };
}

/**
 * Creates a task on `a` and opens a tasks/result of it on `b`, then lets the work ask: the request
 * travels on `b`'s call (once `b` answered a tasks/get, served after it, that call is waiting).
 */
async function askThroughB(
  s: Awaited<ReturnType<typeof setup>>,
  round: number,
  signal?: AbortSignal,
): Promise<{ taskId: string; call: Promise<unknown> }> {
  const { taskId } = await createTask(s.a.client, 'gated', {});
  const call = s.b.client
    .request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, signal ? { signal } : {})
    .catch((error: unknown) => error);
  await s.b.client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
  s.release();
  await eventually(() => s.askedB() === round + 1);
  return { taskId, call };
}

describe('a session that delivered requests of another session’s tasks', () => {
  it('does not keep them once their task was cancelled', async () => {
    const s = await setup();
    for (let round = 0; round < ROUNDS; round++) {
      const { taskId, call } = await askThroughB(s, round);
      await s.a.client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema);
      await call;
    }
    await eventually(() => s.tasks.liveTaskActors === 0);
    await eventually(() => awaited(s.tasks, s.b) < 64);
  });

  it('does not keep them once they were answered through the task’s own session', async () => {
    const s = await setup();
    for (let round = 0; round < ROUNDS; round++) {
      const stop = new AbortController();
      const { taskId, call } = await askThroughB(s, round, stop.signal);
      // b's user walked away: its call ends, the request goes back to the queue, and a's call asks it again.
      stop.abort();
      await call;
      const result = await s.a.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
      expect(result.content).toEqual([{ type: 'text', text: 'accept' }]);
    }
    await eventually(() => awaited(s.tasks, s.b) < 64);
  });

  it('(control) keeps every request still awaited, however many', async () => {
    const s = await setup();
    const calls: Promise<unknown>[] = [];
    for (let round = 0; round < ROUNDS; round++) calls.push((await askThroughB(s, round)).call);
    expect(awaited(s.tasks, s.b)).toBe(ROUNDS);
  });
});
