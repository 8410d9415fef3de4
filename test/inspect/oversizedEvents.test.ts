import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { startStatelyInspector } from '../../src/inspect/index.js';
import type { StatelyInspector } from '../../src/inspect/index.js';
import type { TaskSupport, TaskSupportOptions } from '../../src/index.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/**
 * An inspection event over the relay's sender limit (then 16 MiB: a huge tool result with
 * `sanitize: false`, or a huge status text even when sanitised) made the relay close the sender
 * with 1009, and `@statelyai/inspect`'s sender never dials again after a close: every later task
 * was missing from every viewer. One over 8 MiB (or two over 4 MiB in a row) got every reading
 * viewer cut as a slow listener instead. An event over 4 MiB now reaches viewers as a small stand-in.
 */

const MiB = 1024 * 1024;
/** The sender's limit: what one message to the relay may be, in bytes. */
const LIMIT = 4 * MiB;

interface Received {
  type: string;
  sessionId?: string;
  name?: string;
  event?: { type?: string; [key: string]: unknown };
  snapshot?: { value?: unknown; status?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Viewer {
  messages: Received[];
  /** Length of each frame received, in characters. */
  sizes: number[];
  /** The close code, once the relay closed or cut this viewer. */
  closed?: number;
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A plain WebSocket client of the relay, as the bridge page is. */
async function listen(relayUrl: string): Promise<Viewer> {
  const socket = new WebSocket(relayUrl, { maxPayload: 64 * MiB });
  const viewer: Viewer = { messages: [], sizes: [] };
  socket.on('message', (data) => {
    const text = String(data);
    viewer.sizes.push(text.length);
    viewer.messages.push(JSON.parse(text) as Received);
  });
  socket.on('close', (code) => (viewer.closed = code));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => socket.terminate());
  return viewer;
}

/** TaskSupport with `inspect: true` (its own relay on a free port) and a viewer on that relay. */
async function inspectedTasks(options: TaskSupportOptions): Promise<{ tasks: TaskSupport; viewer: Viewer; errors: unknown[][] }> {
  const warnings: string[] = [];
  const errors: unknown[][] = [];
  const tasks = testTaskSupport({
    ...options,
    inspect: true,
    inspectPort: 0,
    logger: { warn: (message: string) => void warnings.push(message), error: (...args: unknown[]) => void errors.push(args) },
  });
  cleanups.push(() => tasks.close());
  await eventually(() => warnings.some((w) => w.includes('Stately inspector relay at')));
  const relayUrl = /relay at (ws:\/\/\S+);/.exec(warnings.find((w) => w.includes('relay at'))!)![1]!;
  return { tasks, viewer: await listen(relayUrl), errors };
}

/** A tool `job` that sets `status` (if any) and returns `text`, both chosen by whether it was called with `huge`. */
async function connect(tasks: TaskSupport, tool: (huge: boolean) => { status?: string; text: string }): Promise<Session> {
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(
      server,
      'job',
      { taskSupport: 'required', inputSchema: { huge: z.boolean().optional() } },
      async ({ huge }, task) => {
        const { status, text } = tool(huge === true);
        if (status !== undefined) await task.status(status);
        return { content: [{ type: 'text', text }] };
      },
    ),
  );
  cleanups.push(() => session.close());
  return session;
}

/** The task actor registered under `taskId` (its `@xstate.actor` message), once it reached `state`. */
async function seenIn(viewer: Viewer, taskId: string, state: string, timeoutMs = 10_000): Promise<void> {
  await eventually(() => {
    const actor = viewer.messages.find((m) => m.type === '@xstate.actor' && m.name === taskId);
    return (
      actor !== undefined &&
      viewer.messages.some((m) => m.type === '@xstate.snapshot' && m.sessionId === actor.sessionId && m.snapshot?.value === state)
    );
  }, timeoutMs);
}

/** The stand-ins that replaced events too large for the relay. */
const standIns = (viewer: Viewer): Received[] => viewer.messages.filter((m) => m['tooLarge'] !== undefined);

describe('inspection events too large for the relay', () => {
  it(
    'a 17 MiB tool result with sanitize: false reaches viewers as a small stand-in, and later tasks are still shown',
    { timeout: 60_000 },
    async () => {
      const { tasks, viewer, errors } = await inspectedTasks({ sanitize: false, limits: { maxResultBytes: 64 * MiB } });
      const session = await connect(tasks, (huge) => ({ text: huge ? 'r'.repeat(17 * MiB) : 'small result' }));

      const huge = await createTask(session.client, 'job', { huge: true });
      await seenIn(viewer, huge.taskId, 'completed');
      const after = await createTask(session.client, 'job', {});
      await seenIn(viewer, after.taskId, 'completed');

      // What stood in for the huge events says what they were: inspection type, actor, XState event, size.
      const actor = viewer.messages.find((m) => m.type === '@xstate.actor' && m.name === huge.taskId)!;
      const done = standIns(viewer).filter((m) => m.sessionId === actor.sessionId && m.event?.type === 'work.done');
      expect(done.map((m) => m.type).sort()).toEqual(['@xstate.event', '@xstate.snapshot']);
      for (const standIn of done) {
        expect(standIn['tooLarge']).toEqual({ bytes: expect.any(Number) as number, limit: LIMIT });
        expect((standIn['tooLarge'] as { bytes: number }).bytes).toBeGreaterThan(17 * MiB);
      }
      // The snapshot's stand-in still shows the state the task reached.
      expect(done.find((m) => m.type === '@xstate.snapshot')?.snapshot?.value).toBe('completed');
      expect(Math.max(...viewer.sizes)).toBeLessThan(MiB);
      expect(viewer.closed).toBeUndefined();
      expect(errors).toEqual([]);
    },
  );

  it(
    'a 10 MiB status text (sanitize on, the default: status texts pass as they are) cuts no viewer and stops nothing',
    { timeout: 60_000 },
    async () => {
      const { tasks, viewer, errors } = await inspectedTasks({});
      const session = await connect(tasks, (huge) => ({ status: huge ? 's'.repeat(10 * MiB) : 'fine', text: 'ok' }));

      const huge = await createTask(session.client, 'job', { huge: true });
      await seenIn(viewer, huge.taskId, 'completed');
      const after = await createTask(session.client, 'job', {});
      await seenIn(viewer, after.taskId, 'completed');

      const actor = viewer.messages.find((m) => m.type === '@xstate.actor' && m.name === huge.taskId)!;
      const status = standIns(viewer).filter((m) => m.sessionId === actor.sessionId && m.event?.type === 'work.status');
      expect(status.map((m) => m.type).sort()).toEqual(['@xstate.event', '@xstate.snapshot']);
      expect(status.find((m) => m.type === '@xstate.snapshot')?.snapshot?.value).toEqual({ running: 'working' });
      // The later task's status text is there in full.
      expect(
        viewer.messages.some((m) => m.type === '@xstate.event' && m.event?.type === 'work.status' && m.event['message'] === 'fine'),
      ).toBe(true);
      expect(viewer.closed).toBeUndefined();
      expect(errors).toEqual([]);
    },
  );
});

/** Events the relay's own sender reports (`event` is the inspector's public reporting call). */
function report(inspector: StatelyInspector, type: string, pad: string): void {
  inspector.inspector.event('test-actor', { type, pad });
}

describe("the sender's limit, in bytes", () => {
  it(
    'passes events just under 4 MiB whole, two in a row, and stands in for one over it, counted in UTF-8 bytes',
    { timeout: 60_000 },
    async () => {
      const inspector = await startStatelyInspector({ port: 0 });
      cleanups.push(() => inspector.stop());
      const viewer = await listen(inspector.relayUrl);

      report(inspector, 'under', 'u'.repeat(LIMIT - 1024));
      report(inspector, 'under', 'u'.repeat(LIMIT - 1024));
      // 1.5 Mi characters, 4.5 MiB as UTF-8: under the limit by length, over it by bytes.
      report(inspector, 'multibyte', '€'.repeat(1.5 * MiB));
      report(inspector, 'over', 'o'.repeat(17 * MiB));
      report(inspector, 'after', 'small');
      await eventually(() => viewer.messages.some((m) => m.event?.type === 'after'), 20_000);

      const byType = (type: string) => viewer.messages.filter((m) => m.event?.type === type);
      expect(byType('under').map((m) => (m.event?.['pad'] as string).length)).toEqual([LIMIT - 1024, LIMIT - 1024]);
      for (const type of ['multibyte', 'over']) {
        expect(byType(type)).toEqual([
          expect.objectContaining({
            type: '@xstate.event',
            sessionId: 'test-actor',
            tooLarge: { bytes: expect.any(Number) as number, limit: LIMIT },
          }),
        ]);
        expect(byType(type)[0]!.event?.['pad']).toBeUndefined();
      }
      expect(byType('after')[0]!.event?.['pad']).toBe('small');
      expect(viewer.closed).toBeUndefined();
    },
  );

  it("stands in for an actor registration too large, keeping the actor's name and state", async () => {
    const inspector = await startStatelyInspector({ port: 0 });
    cleanups.push(() => inspector.stop());
    const viewer = await listen(inspector.relayUrl);

    // `actor` is the inspector's public call for reporting an actor; the snapshot is what makes it large.
    const snapshot = { status: 'active', value: { running: 'working' }, context: { pad: 'c'.repeat(5 * MiB) } };
    inspector.inspector.actor('big-actor', snapshot as never);
    inspector.inspector.event('big-actor', { type: 'after' });
    await eventually(() => viewer.messages.some((m) => m.event?.type === 'after'), 20_000);

    const registered = viewer.messages.find((m) => m.type === '@xstate.actor')!;
    expect(registered).toMatchObject({ sessionId: 'big-actor', name: 'big-actor', tooLarge: { limit: LIMIT } });
    expect(registered['_version']).toEqual(expect.any(String));
    expect(registered.snapshot).toEqual({
      status: 'active',
      value: { running: 'working' },
      context: { tooLarge: expect.stringContaining('not shown') as string },
    });
  });
});
