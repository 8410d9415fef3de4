// The session router tracks each request it delivered to the client (standalone push, or on a
// tasks/result stream) until its answer comes back. A request whose task no longer waits for it (the
// task was cancelled, or its work gave up on the ask and returned) is forgotten then: tracked until an
// answer that never comes, each stayed for the connection's whole life (stdio: the process's), a
// pushed one with its whole message.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema, CancelTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

const form = { message: 'v?', requestedSchema: { type: 'object' as const, properties: {} } };

/** What the router of `session`'s server tracks on its connection (private: a leak hides where the API does not look). */
function tracked(tasks: TaskSupport, session: Session): { awaiting: number; pushed: number } {
  interface Tracked {
    awaiting: WeakMap<object, Map<string, string>>;
    pushed: WeakMap<object, Map<string, unknown>>;
  }
  interface Router {
    connection: object;
    // Made on first use (absent: nothing was ever tracked).
    tracked: Tracked | undefined;
  }
  const { router } = (tasks as unknown as { sessions: { of(server: object): { router: Router } } }).sessions.of(session.server);
  const { connection, tracked } = router;
  return { awaiting: tracked?.awaiting.get(connection)?.size ?? 0, pushed: tracked?.pushed.get(connection)?.size ?? 0 };
}

let tasks: TaskSupport | undefined;
let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  await tasks?.close();
});

async function setup(): Promise<{ tasks: TaskSupport; session: Session; asked: () => number }> {
  tasks = testTaskSupport();
  const t = tasks;
  session = await connectInMemory(t, (server) => {
    t.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      await task.elicit(form);
      return { content: [] };
    });
    // Gives up on its ask after 20 ms and returns without the answer.
    t.registerTool(server, 'askBriefly', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      await Promise.race([task.elicit(form), new Promise((resolve) => setTimeout(resolve, 20))]);
      return { content: [] };
    });
  });
  let asked = 0;
  // The user never answers.
  session.client.setRequestHandler(ElicitRequestSchema, () => {
    asked++;
    return new Promise(() => {});
  });
  return { tasks: t, session, asked: () => asked };
}

describe('the session router forgets requests nobody waits for', () => {
  it('pushed on the standalone stream, then the task cancelled', async () => {
    const s = await setup();
    for (let i = 0; i < 20; i++) {
      const task = await createTask(s.session.client, 'ask', {});
      await eventually(() => s.asked() === i + 1);
      expect(tracked(s.tasks, s.session)).toEqual({ awaiting: 1, pushed: 1 });
      await s.session.client.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
    }
    await eventually(() => s.tasks.liveTaskActors === 0);
    expect(tracked(s.tasks, s.session)).toEqual({ awaiting: 0, pushed: 0 });
  });

  it('delivered on a tasks/result stream that the client aborted, then the task cancelled', async () => {
    const s = await setup();
    for (let i = 0; i < 20; i++) {
      const task = await createTask(s.session.client, 'ask', {});
      const stop = new AbortController();
      const result = s.session.client
        .request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema, { signal: stop.signal })
        .catch(() => undefined);
      await eventually(() => s.asked() >= i + 1);
      stop.abort();
      await result;
      await s.session.client.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
    }
    await eventually(() => s.tasks.liveTaskActors === 0);
    expect(tracked(s.tasks, s.session).awaiting).toBe(0);
  });

  it('the work gave up on its ask and returned', async () => {
    const s = await setup();
    const created = await Promise.all(Array.from({ length: 20 }, () => createTask(s.session.client, 'askBriefly', {})));
    const completed = async (): Promise<boolean> =>
      (await Promise.all(created.map((t) => s.tasks.store.get(t.taskId)))).every((r) => r?.status === 'completed');
    await eventually(completed);
    await eventually(() => s.tasks.liveTaskActors === 0);
    expect(tracked(s.tasks, s.session)).toEqual({ awaiting: 0, pushed: 0 });
  });
});
