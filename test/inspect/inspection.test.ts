import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import type { InspectionEvent } from 'xstate';
import { redactEvent, redactSnapshot, redactValue } from '../../src/index.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';

describe('redaction', () => {
  it('describes a value by shape and size, never by content', () => {
    expect(redactValue({ action: 'accept', content: { pin: '1234', remember: true } })).toBe(
      '[redacted object{action: string(6), content: object{pin: string(4), remember: boolean}}, 60 bytes]',
    );
    expect(
      redactValue([
        { type: 'text', text: 'hello' },
        { type: 'text', text: 'x' },
      ]),
    ).toBe('[redacted array(2)[object{type: string(4), text: string(5)}, …], 59 bytes]');
    expect(redactValue(new TypeError('token=abc'))).toBe('[redacted TypeError(message: string(9)), 2 bytes]');
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    expect(redactValue(circular)).toBe('[redacted object{a: number, self: object{a: number, self: object{a: number, self: object{…}}}}]');
  });

  it('keeps ids, statuses and status texts, opens routed events and redacts answers, results and errors', () => {
    expect(
      redactEvent({
        type: 'task.send',
        taskId: 't1',
        event: { type: 'input.response', requestId: 'r1', result: { action: 'accept', content: { pin: '9' } } },
      }),
    ).toEqual({
      type: 'task.send',
      taskId: 't1',
      event: { type: 'input.response', requestId: 'r1', result: expect.stringMatching(/^\[redacted object\{action: string\(6\)/) },
    });
    expect(redactEvent({ type: 'work.status', message: '3 s left' })).toEqual({ type: 'work.status', message: '3 s left' });
    // The work's end reaches the task actor as an event: its result and its throw are redacted.
    expect(
      redactEvent({
        type: 'task.send',
        taskId: 't1',
        event: { type: 'work.done', output: { content: [{ type: 'text', text: 'secret' }] } },
      }),
    ).toEqual({
      type: 'task.send',
      taskId: 't1',
      event: { type: 'work.done', output: expect.stringMatching(/^\[redacted object\{content: array\(1\)/) },
    });
    expect(redactEvent({ type: 'work.error', error: new Error('token=abc') })).toEqual({
      type: 'work.error',
      error: '[redacted Error(message: string(9)), 2 bytes]',
    });
    expect(redactEvent({ type: 'xstate.init', input: { taskId: 't1', arguments: { password: 'p' } } })).toEqual({
      type: 'xstate.init',
      input: { taskId: 't1', arguments: '[redacted object{password: string(1)}, 16 bytes]' },
    });
    // A key that is usually safe still loses a value that is not a plain id or text.
    expect(redactEvent({ type: 'x', message: { secret: 's' } })).toEqual({
      type: 'x',
      message: '[redacted object{secret: string(1)}, 14 bytes]',
    });
  });

  it("keeps a snapshot's status, value and safe context; redacts output and error; children become ids", () => {
    const snapshot = {
      status: 'done',
      value: 'completed',
      context: { taskId: 't1', waitingFor: ['r1'] },
      output: { content: [{ type: 'text', text: 'secret' }] },
      error: undefined,
      children: { work: { id: 'work', getSnapshot: () => ({ output: 'secret' }) } },
    } as const;
    expect(redactSnapshot(snapshot as never)).toEqual({
      status: 'done',
      value: 'completed',
      context: { taskId: 't1', waitingFor: ['r1'] },
      output: '[redacted object{content: array(1)[object{type: string(4), text: string(6)}]}, 45 bytes]',
      error: undefined,
      children: { work: { id: 'work' } },
    });
  });
});

describe('TaskSupport inspection options', () => {
  const tool = { taskSupport: 'required' as const, inputSchema: { secret: z.string() } };

  it('off by default: the root actor gets no inspection observer at all', async () => {
    const tasks = testTaskSupport();
    expect(tasks.actor.options.inspect).toBeUndefined();
    await tasks.close();
  });

  it('applies custom sanitize hooks and keeps the defaults for the hooks left out', async () => {
    const seen: InspectionEvent[] = [];
    const tasks = testTaskSupport({
      inspect: (event) => void seen.push(event),
      sanitize: {
        filter: (event) => event.type === '@xstate.action' || event.type === '@xstate.snapshot',
        event: (event) => ({ type: `seen:${event.type}` }),
      },
    });
    const session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'job', tool, async ({ secret }) => ({ content: [{ type: 'text', text: secret }] })),
    );
    const task = await createTask(session.client, 'job', { secret: 'hook-secret-1' });
    await taskResult(session.client, task.taskId);
    await eventually(() => seen.some((e) => e.type === '@xstate.snapshot' && (e.snapshot as { value?: unknown }).value === 'completed'));
    expect(new Set(seen.map((e) => e.type))).toEqual(new Set(['@xstate.action', '@xstate.snapshot']));
    const snapshots = seen.filter((e) => e.type === '@xstate.snapshot');
    expect(snapshots.every((e) => e.event.type.startsWith('seen:'))).toBe(true);
    // settle's params carry the tool result: the action passes the custom filter but is still redacted.
    const settle = seen.find((e) => e.type === '@xstate.action' && e.action.type === 'settle');
    expect(settle && settle.type === '@xstate.action' && settle.action.params).toMatch(/^\[redacted object\{status: string\(9\), output/);
    // JSON of an event carries its sanitised payload (toJSON); the raw one is in private fields only.
    const everything = JSON.stringify(seen.map((e) => ({ event: e, actor: e.actorRef.getSnapshot(), own: { ...e } })));
    // The tool result reaches the task actor in its `work.done` event: only the hook's version shows.
    expect(everything).toContain('"type":"seen:work.done"');
    expect(everything).not.toContain('hook-secret-1');
    await session.close();
    await tasks.close();
  });

  it('inspect: true starts the Stately relay, logs where it is, sanitises, and close() stops it', async () => {
    const logged: string[] = [];
    const tasks = testTaskSupport({
      inspect: true,
      inspectPort: 0,
      logger: { warn: (message: string) => void logged.push(message), error: (message: string) => void logged.push(message) },
    });
    await eventually(() => logged.some((line) => line.includes('ws://127.0.0.1:')));
    const relayUrl = /ws:\/\/127\.0\.0\.1:\d+/.exec(logged.join('\n'))![0];
    expect(logged.join('\n')).toMatch(/open http:\/\/127\.0\.0\.1:\d+ to watch the tasks/);

    const socket = new WebSocket(relayUrl);
    const raw: string[] = [];
    socket.on('message', (data) => void raw.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    const session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'job', tool, async ({ secret }) => ({ content: [{ type: 'text', text: `got ${secret}` }] })),
    );
    const task = await createTask(session.client, 'job', { secret: 'true-secret-2' });
    await taskResult(session.client, task.taskId);
    // The relay replays what it buffered before this client came, so the root's registration is there too.
    await eventually(() => raw.some((text) => text.includes('"completed"') && text.includes('@xstate.snapshot')));
    expect(raw.some((text) => text.includes('"@xstate.actor"') && text.includes('"name":"taskSupport"'))).toBe(true);
    expect(raw.join('\n')).not.toContain('true-secret-2');

    const closed = new Promise((resolve) => socket.once('close', resolve));
    await session.close();
    await tasks.close();
    await closed; // the relay cut its clients when close() stopped it
    const again = new WebSocket(relayUrl);
    await expect(
      new Promise((resolve, reject) => {
        again.once('open', resolve);
        again.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
