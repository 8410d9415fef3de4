/**
 * OpenPolls (engine/OpenPolls.ts), the count of a follow's tasks/get out, and what followClientTask
 * does with polls lost with a dropped standalone stream: 64 out, the stream drops, new polls go out;
 * a lost poll's failure is not the follow's, its late answer still is; the drop listener lives only
 * while polls are out; lost polls still pending in the SDK are bounded too.
 */
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import type { ClientTaskSnapshot } from '../../machines/clientTask.js';
import { followClientTask } from '../../src/engine/ClientTasks.js';
import type { ClientChannel } from '../../src/engine/ClientTasks.js';
import { OpenPolls } from '../../src/engine/OpenPolls.js';
import type { StreamChange } from '../../src/engine/streamGap.js';
import { McpError } from '../../src/wire.js';

/** Polls out at once, and out and lost together (OpenPolls.ts `MAX_POLLS_OUT`, `MAX_POLLS_PENDING`). */
const MAX_POLLS_OUT = 64;
const MAX_POLLS_PENDING = 4 * MAX_POLLS_OUT;

/** A session's stream as a follow hears it: the test tells its changes. */
function reach() {
  const listeners = new Set<(change: StreamChange) => void>();
  return {
    listeners,
    onReachable: (listener: (change: StreamChange) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    tell: (change: StreamChange) => {
      for (const listener of [...listeners]) listener(change);
    },
  };
}

/** Sends polls until the count is full; their numbers. */
function fill(polls: OpenPolls): number[] {
  const sent: number[] = [];
  while (!polls.full) sent.push(polls.sent());
  return sent;
}

describe('OpenPolls', () => {
  it('is full at 64 out; a drop frees them, and new polls go out', () => {
    const stream = reach();
    const polls = new OpenPolls(stream);
    expect(fill(polls)).toHaveLength(MAX_POLLS_OUT);
    expect(stream.listeners.size).toBe(1);
    stream.tell('dropped');
    expect(polls.full).toBe(false);
    // Not listening while no poll is out.
    expect(stream.listeners.size).toBe(0);
    const next = polls.sent();
    expect(next).toBe(MAX_POLLS_OUT + 1);
    expect(polls.latest).toBe(next);
    expect(stream.listeners.size).toBe(1);
    // A lost poll settling is no news of the follow; one out is.
    expect(polls.settled(1)).toBe(false);
    expect(polls.settled(next)).toBe(true);
    expect(stream.listeners.size).toBe(0);
  });

  it('an opening or a close of the stream loses nothing', () => {
    const stream = reach();
    const polls = new OpenPolls(stream);
    const seq = polls.sent();
    stream.tell('opened');
    stream.tell('closed');
    expect(polls.settled(seq)).toBe(true);
  });

  it('bounds polls out and lost together: past the bound none goes out until lost ones settle', () => {
    const stream = reach();
    const polls = new OpenPolls(stream);
    const lost: number[] = [];
    for (let drop = 0; drop < MAX_POLLS_PENDING / MAX_POLLS_OUT; drop++) {
      lost.push(...fill(polls));
      stream.tell('dropped');
    }
    expect(lost).toHaveLength(MAX_POLLS_PENDING);
    // None out, but the lost ones are still pending in the SDK: no more go out.
    expect(polls.full).toBe(true);
    expect(polls.settled(lost[0]!)).toBe(false);
    expect(polls.full).toBe(false);
    polls.sent();
    expect(polls.full).toBe(true);
    // Settling a lost poll twice frees one slot only once.
    expect(polls.settled(lost[0]!)).toBe(false);
    expect(polls.full).toBe(true);
  });

  it('end() forgets every poll and stops listening', () => {
    const stream = reach();
    const polls = new OpenPolls(stream);
    fill(polls);
    stream.tell('dropped');
    fill(polls);
    polls.end();
    expect(stream.listeners.size).toBe(0);
    expect(polls.full).toBe(false);
  });
});

const working = (status = 'working'): ClientTaskSnapshot & { createdAt: string; lastUpdatedAt: string } => ({
  taskId: 'c1',
  status: status as ClientTaskSnapshot['status'],
  ttl: null,
  pollInterval: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
});

/** A follow of a client task whose polls the client holds until the test settles them. */
function heldFollow() {
  const stream = reach();
  const polls: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  const methods: string[] = [];
  const channel: ClientChannel = {
    request: <T>({ method }: { method: string }, _schema: unknown, options?: { signal?: AbortSignal }) => {
      methods.push(method);
      if (method === 'tasks/get') return new Promise<T>((resolve, reject) => void polls.push({ resolve: resolve as never, reject }));
      // tasks/result: open until aborted, as the SDK's request is.
      return new Promise<T>((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)));
    },
    canSend: () => true,
    onReachable: stream.onReachable,
  };
  const work = new AbortController();
  const result = followClientTask(
    { parent: () => undefined, defaultPollInterval: 60_000, logger: { warn: vi.fn() } },
    {
      create: () => Promise.resolve({ task: working() }),
      channel,
      capabilities: undefined,
      resultSchema: z.looseObject({ action: z.string() }),
      signal: work.signal,
    },
  );
  let ended = false;
  void result.finally(() => (ended = true)).catch(() => {});
  return { stream, polls, methods, work, result, ended: () => ended };
}

describe('a follow whose polls are lost with a dropped stream', () => {
  it('polls on after the drop; a lost poll failing with no later answer does not end the follow', async () => {
    const f = heldFollow();
    await vi.waitFor(() => expect(f.polls).toHaveLength(MAX_POLLS_OUT), { timeout: 5000 });
    f.stream.tell('dropped');
    await vi.waitFor(() => expect(f.polls.length).toBeGreaterThan(MAX_POLLS_OUT), { timeout: 5000 });
    for (const poll of f.polls.slice(0, MAX_POLLS_OUT)) poll.reject(new McpError(-32001, 'Request timed out'));
    // Each failure reached the follow: none ended it.
    await vi.waitFor(() => expect(f.polls.length).toBeGreaterThanOrEqual(2 * MAX_POLLS_OUT), { timeout: 5000 });
    expect(f.ended()).toBe(false);
    // A poll out (not lost) failing still ends it.
    f.polls.at(-1)!.reject(new McpError(-32001, 'Request timed out'));
    await expect(f.result).rejects.toThrow('Request timed out');
    expect(f.stream.listeners.size).toBe(0);
  });

  it("takes a lost poll's late answer (the client read the poll)", async () => {
    const f = heldFollow();
    await vi.waitFor(() => expect(f.polls).toHaveLength(MAX_POLLS_OUT), { timeout: 5000 });
    f.stream.tell('dropped');
    f.polls[0]!.resolve(working('input_required'));
    await vi.waitFor(() => expect(f.methods).toContain('tasks/result'), { timeout: 5000 });
    f.work.abort(new Error('stop'));
    await expect(f.result).rejects.toThrow('stop');
    expect(f.stream.listeners.size).toBe(0);
  });
});
