// The CreateTaskResult of a task reaches the client before anything the task's work causes: a
// status notification naming a task the client has not been told of yet (or a `completed` that
// arrives before the `working` of the handle) would leave a client that follows notifications
// with the wrong state. The session holds its sends until the handle went out (SessionRouter.holdSends).
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import type { TaskSupport } from '../../../src/index.js';

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

/** A session whose client records every message it receives, in order, as it arrives. */
async function recordingSession() {
  const tasks = testTaskSupport();
  open.tasks.push(tasks);
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'instant', { taskSupport: 'required', inputSchema: { n: z.number() } }, ({ n }) => ({
      content: [{ type: 'text', text: `done ${n}` }],
    }));
    tasks.registerTool(server, 'announces', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
      await task.status(`started ${n}`);
      return { content: [{ type: 'text', text: `done ${n}` }] };
    });
  });
  open.sessions.push(session);
  const transport = session.client.transport!;
  const received: JSONRPCMessage[] = [];
  const deliver = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    received.push(message);
    deliver(message, extra);
  };
  return { session, received };
}

/** Index in `received` of the response that created `taskId`, and of the first notification naming it. */
function positions(received: JSONRPCMessage[], taskId: string) {
  const handle = received.findIndex((m) => 'result' in m && (m.result as { task?: { taskId?: string } }).task?.taskId === taskId);
  const notified = received.findIndex((m) => 'method' in m && (m.params as { taskId?: string } | undefined)?.taskId === taskId);
  return { handle, notified };
}

describe('CreateTaskResult before the task’s notifications', () => {
  it('answers work that is instant with its end or before it, on every task of a burst', async () => {
    const { session, received } = await recordingSession();
    const created = await Promise.all([1, 2, 3, 4, 5].map((n) => createTask(session.client, 'instant', { n })));
    // A task that announces itself marks the point by which a pushed end would have come.
    const marker = await createTask(session.client, 'announces', { n: 6 });
    await eventually(() => positions(received, marker.taskId).notified >= 0);
    await eventually(() => created.every(({ taskId, status }) => status === 'completed' || positions(received, taskId).notified >= 0));
    for (const { taskId, status } of created) {
      const { handle, notified } = positions(received, taskId);
      expect(handle).toBeGreaterThanOrEqual(0);
      // Ended before its CreateTaskResult went out (in memory on SDK v1's request entry: always): the
      // answer says so and nothing is pushed; else the end is pushed, after the answer.
      if (status === 'completed') expect(notified).toBe(-1);
      else expect(notified).toBeGreaterThan(handle);
    }
  });

  it.each(['announces'])('holds for work that %s, on every task of a burst', async (tool) => {
    const { session, received } = await recordingSession();
    const created = await Promise.all([1, 2, 3, 4, 5].map((n) => createTask(session.client, tool, { n })));
    // No tasks/result is sent, so each task's end is pushed as a notification.
    await eventually(() => created.every(({ taskId }) => positions(received, taskId).notified >= 0));
    for (const { taskId } of created) {
      const { handle, notified } = positions(received, taskId);
      expect(handle).toBeGreaterThanOrEqual(0);
      expect(notified).toBeGreaterThan(handle);
    }
  });
});
