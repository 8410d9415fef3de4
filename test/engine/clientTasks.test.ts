import { getEventListeners } from 'node:events';
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { InspectionEvent } from 'xstate';
import type { ClientTaskSnapshot } from '../../machines/clientTask.js';
import { followClientTask } from '../../src/engine/ClientTasks.js';
import type { ClientChannel } from '../../src/engine/ClientTasks.js';
import { McpError } from '../../src/wire.js';

// followClientTask against a scripted client channel: what the engine does around the client-task
// machine (the abort before anything was sent, a create answer that is no CreateTaskResult, who is
// sent tasks/cancel, a failed tasks/cancel, the client cancelling its own task).

const working = (taskId = 'c1'): ClientTaskSnapshot & { createdAt: string; lastUpdatedAt: string } => ({
  taskId,
  status: 'working',
  ttl: null,
  pollInterval: 60_000,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
});

interface Script {
  create?: () => Promise<unknown>;
  get?: () => Promise<unknown>;
  cancel?: () => Promise<unknown>;
  capabilities?: ClientCapabilities;
  signal?: AbortSignal;
  inspect?: (event: InspectionEvent) => void;
  statusListeners?: ((task: ClientTaskSnapshot) => void)[];
  defaultPollInterval?: number;
}

function follow(script: Script = {}) {
  const methods: string[] = [];
  const create = vi.fn(script.create ?? (() => Promise.resolve({ task: working() })));
  const channel: ClientChannel = {
    request: <T>({ method }: { method: string }) => {
      methods.push(method);
      if (method === 'tasks/get') return (script.get?.() ?? new Promise(() => {})) as Promise<T>;
      if (method === 'tasks/cancel') return (script.cancel?.() ?? Promise.resolve({ ...working(), status: 'cancelled' })) as Promise<T>;
      return new Promise<T>(() => {});
    },
    ...(script.statusListeners
      ? {
          onTaskStatus: (listener: (task: ClientTaskSnapshot) => void) => {
            script.statusListeners?.push(listener);
            return () => {};
          },
        }
      : {}),
  };
  const logger = { warn: vi.fn() };
  const controller = new AbortController();
  const result = followClientTask(
    {
      parent: () => undefined,
      defaultPollInterval: script.defaultPollInterval ?? 60_000,
      logger,
      ...(script.inspect ? { inspect: script.inspect } : {}),
    },
    {
      create,
      channel,
      capabilities: script.capabilities,
      // The request's own result, as an ElicitResult's `action` (a plain answer is checked with it).
      resultSchema: z.looseObject({ action: z.string() }),
      signal: script.signal ?? controller.signal,
    },
  );
  // The follow's end is checked by each test; a rejection must not go unhandled meanwhile.
  result.catch(() => {});
  return { result, methods, create, logger, controller };
}

/** Lets the create answer (a resolved promise) reach the actor. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('following a client task', () => {
  it("rejects with the work's abort reason at once when its signal is already aborted, without asking the client", async () => {
    const gone = new AbortController();
    const reason = new Error('no longer needed');
    gone.abort(reason);
    const f = follow({ signal: gone.signal });
    await expect(f.result).rejects.toBe(reason);
    expect(f.create).not.toHaveBeenCalled();
  });

  it('fails with -32602 when the client answers the task-augmented request with neither a CreateTaskResult nor its plain result', async () => {
    const f = follow({ create: () => Promise.resolve({ content: [] }) });
    const error = (await f.result.catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32602);
    expect(error.message).toBe('Invalid answer from the client: task: Invalid input: expected object, received undefined');
    expect(f.methods).toEqual([]);
  });

  it('takes a plain answer (the request run without a task) as the result, and sends the client nothing more', async () => {
    const answer = { action: 'accept', content: { ok: true } };
    const f = follow({ create: () => Promise.resolve(answer) });
    await expect(f.result).resolves.toEqual(answer);
    expect(f.methods).toEqual([]);
  });

  it('sends tasks/cancel on abort only to a client that declared tasks.cancel', async () => {
    const cases: [ClientCapabilities | undefined, boolean][] = [
      [undefined, false],
      [{}, false],
      [{ tasks: {} }, false],
      [{ tasks: { cancel: {} } }, true],
    ];
    for (const [capabilities, sent] of cases) {
      const f = follow(capabilities ? { capabilities } : {});
      await settle();
      f.controller.abort(new Error('stop'));
      await expect(f.result).rejects.toThrow('stop');
      expect(f.methods.includes('tasks/cancel'), JSON.stringify(capabilities)).toBe(sent);
    }
  });

  it("logs a tasks/cancel the client fails, naming the client's task", async () => {
    const refusal = new Error('connection closed');
    const f = follow({ capabilities: { tasks: { cancel: {} } }, cancel: () => Promise.reject(refusal) });
    await settle();
    f.controller.abort(new Error('stop'));
    await expect(f.result).rejects.toThrow('stop');
    await settle();
    expect(f.logger.warn).toHaveBeenCalledWith("mcp-task-actors: tasks/cancel of the client's task c1 failed", refusal);
  });

  it('fails with -32603 naming the task when the client reports its task cancelled', async () => {
    const listeners: ((task: ClientTaskSnapshot) => void)[] = [];
    const f = follow({ statusListeners: listeners });
    let ended = false;
    f.result.then(
      () => (ended = true),
      () => (ended = true),
    );
    await settle();
    // Another task's status is not this follow's.
    for (const listener of listeners) listener({ ...working('other'), status: 'cancelled' });
    await settle();
    expect(ended).toBe(false);
    for (const listener of listeners) listener({ ...working(), status: 'cancelled' });
    const error = (await f.result.catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32603);
    expect(error.message).toBe('The client cancelled its task c1');
  });

  it('shows the follow to the engine inspector when it runs under no task', async () => {
    const events: InspectionEvent[] = [];
    const f = follow({ inspect: (event) => events.push(event) });
    await settle();
    f.controller.abort(new Error('stop'));
    await expect(f.result).rejects.toThrow('stop');
    expect(events.some((e) => e.type === '@xstate.event' && e.event.type === 'created')).toBe(true);
  });

  it('tells a client that creates its task after the follow was withdrawn that the task is no longer wanted', async () => {
    let answer: (value: unknown) => void = () => {};
    const f = follow({ capabilities: { tasks: { cancel: {} } }, create: () => new Promise((resolve) => (answer = resolve)) });
    f.controller.abort(new Error('stop'));
    await expect(f.result).rejects.toThrow('stop');
    answer({ task: working() });
    await settle();
    expect(f.methods).toEqual(['tasks/cancel']);
  });

  it("polls at the engine's default interval when the client suggests none", async () => {
    const { pollInterval: _, ...silent } = working();
    const slow = follow({ create: () => Promise.resolve({ task: silent }) });
    const fast = follow({ create: () => Promise.resolve({ task: silent }), defaultPollInterval: 5 });
    await settle();
    await settle();
    expect(slow.methods).toEqual([]);
    expect(fast.methods).toContain('tasks/get');
    slow.controller.abort(new Error('stop'));
    fast.controller.abort(new Error('stop'));
    await Promise.allSettled([slow.result, fast.result]);
  });

  it('keeps following when a poll fails after a later poll was answered (a poll lost with a dropped stream times out late)', async () => {
    const polls: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
    const f = follow({
      create: () => Promise.resolve({ task: { ...working(), pollInterval: 1 } }),
      get: () => new Promise((resolve, reject) => void polls.push({ resolve, reject })),
    });
    let ended = false;
    void f.result.finally(() => (ended = true)).catch(() => {});
    await vi.waitFor(() => expect(polls.length).toBeGreaterThanOrEqual(2));
    // The second poll is answered (the stream is back); the first, sent before the drop, times out.
    polls[1]!.resolve(working());
    await settle();
    polls[0]!.reject(new McpError(-32001, 'Request timed out'));
    await settle();
    expect(ended).toBe(false);
    // A poll sent after the answered one, failing, still ends the follow, as before.
    expect(polls.length).toBeGreaterThan(2);
    polls.at(-1)!.reject(new McpError(-32001, 'Request timed out'));
    await expect(f.result).rejects.toThrow('Request timed out');
  });

  it('drops, without a warning, a poll answer that arrives after the follow ended', async () => {
    const warn = vi.spyOn(console, 'warn');
    let answer: (value: unknown) => void = () => {};
    const f = follow({
      create: () => Promise.resolve({ task: { ...working(), pollInterval: 1 } }),
      get: () => new Promise((resolve) => (answer = resolve)),
    });
    await vi.waitFor(() => expect(f.methods).toContain('tasks/get'));
    f.controller.abort(new Error('stop'));
    await expect(f.result).rejects.toThrow('stop');
    answer({ ...working(), status: 'completed' });
    await settle();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("lets go of the work's signal and the status listener once the follow ends, and leaves the request in flight to its answer", async () => {
    const work = new AbortController();
    let requestSignal: AbortSignal | undefined;
    const unsubscribe = vi.fn();
    const listeners: ((task: ClientTaskSnapshot) => void)[] = [];
    const f = follow({
      signal: work.signal,
      create: () => Promise.reject(new Error('refused')),
      statusListeners: listeners,
    });
    await expect(f.result).rejects.toThrow('refused');
    expect(getEventListeners(work.signal, 'abort')).toHaveLength(0);

    const pending = followClientTask(
      { parent: () => undefined, defaultPollInterval: 60_000, logger: { warn: () => {} } },
      {
        create: (signal) => {
          requestSignal = signal;
          return new Promise(() => {});
        },
        channel: { request: () => new Promise(() => {}), onTaskStatus: () => unsubscribe },
        capabilities: undefined,
        // The request's own result, as an ElicitResult's `action` (a plain answer is checked with it).
        resultSchema: z.looseObject({ action: z.string() }),
        signal: work.signal,
      },
    );
    expect(requestSignal?.aborted).toBe(false);
    work.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    // Not aborted: its late CreateTaskResult names a client task to cancel (clientTaskCreateInFlight.test.ts).
    expect(requestSignal?.aborted).toBe(false);
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('rejects with the error when sending the task-augmented request throws at once', async () => {
    const broken = new Error('no transport');
    const f = follow({
      create: () => {
        throw broken;
      },
    });
    await expect(f.result).rejects.toBe(broken);
  });
});
