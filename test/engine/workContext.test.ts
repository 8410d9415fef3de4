import { describe, expect, it, vi } from 'vitest';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MissingClientCapabilityError } from '../../src/engine/TaskContext.js';
import { inlineContext, withTask, workContext } from '../../src/engine/workContext.js';
import type { InlineClientTasks, InputCounter, RequestStream, WorkPort } from '../../src/engine/workContext.js';
import type { ClientTaskFollow } from '../../src/engine/ClientTasks.js';
import { LIMIT_EXCEEDED } from '../../src/errors.js';
import { McpError } from '../../src/wire.js';
import { TASK_OR_RESULT } from '../../src/engine/ClientTasks.js';

// The work's `task` over a recording port: what the context checks and shapes itself (capabilities,
// the cap on waiting asks, client tasks or the plain fallback, log and progress notifications), and
// the inline context over a request's own stream.

const form = { message: 'Name?', requestedSchema: { type: 'object' as const, properties: {} } };
const sample = { messages: [], maxTokens: 10 };
const everything: ClientCapabilities = { elicitation: {}, sampling: {} };
const asTasks: ClientCapabilities = {
  ...everything,
  tasks: { requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
};

function port(options: { capabilities?: ClientCapabilities; taskId?: string | undefined; progressToken?: string; asTask?: boolean } = {}) {
  const answers: ((value: unknown) => void)[] = [];
  const failures: ((error: unknown) => void)[] = [];
  const p = {
    taskId: 'taskId' in options ? options.taskId : 't1',
    signal: new AbortController().signal,
    ...(options.progressToken === undefined ? {} : { progressToken: options.progressToken }),
    capabilities: () => options.capabilities ?? everything,
    status: vi.fn(() => Promise.resolve()),
    // A port tells the counter once when the ask settles (the WorkPort contract; TaskPort does it
    // where the answer lands).
    ask: vi.fn(
      (_method: string, _params: object, _schema: z.ZodType, counter?: InputCounter) =>
        new Promise((resolve, reject) => {
          answers.push((value) => {
            counter?.inputSettled();
            resolve(value);
          });
          failures.push((error) => {
            counter?.inputSettled();
            reject(error);
          });
        }),
    ),
    tell: vi.fn(() => Promise.resolve()),
    ...(options.asTask ? { askAsTask: vi.fn(() => Promise.resolve({ action: 'decline' })) } : {}),
  } satisfies WorkPort;
  return { port: p, answers, failures };
}

describe('the work context', () => {
  it("passes the port's task id, signal and status through", async () => {
    const { port: p } = port();
    const task = workContext(p);
    expect(task.taskId).toBe('t1');
    expect(task.signal).toBe(p.signal);
    await task.status('halfway');
    expect(p.status).toHaveBeenCalledWith('halfway');
  });

  it('checks the capability before asking, and asks with the answer schema of the method', async () => {
    const none = port({ capabilities: {} });
    await expect(workContext(none.port).elicit(form)).rejects.toThrow(MissingClientCapabilityError);
    await expect(workContext(none.port).createMessage(sample)).rejects.toThrow(MissingClientCapabilityError);
    expect(none.port.ask).not.toHaveBeenCalled();
    const { port: p } = port();
    void workContext(p).elicit(form);
    void workContext(p).createMessage(sample);
    expect(p.ask.mock.calls.map((c: unknown[]) => c[0])).toEqual(['elicitation/create', 'sampling/createMessage']);
    const [, , elicitSchema] = p.ask.mock.calls[0] as unknown as [string, object, z.ZodType];
    expect(elicitSchema.safeParse({ action: 'decline' }).success).toBe(true);
    const [, , sampleSchema] = p.ask.mock.calls[1] as unknown as [string, object, z.ZodType];
    expect(sampleSchema.safeParse({ action: 'decline' }).success).toBe(false);
  });

  it('refuses an ask beyond maxQueuedInputRequests waiting at once, and counts an answered or failed one out', async () => {
    const { port: p, answers, failures } = port();
    const task = workContext(p).capInputs(2);
    const first = task.elicit(form);
    const second = task.createMessage(sample);
    const refused = (await task.elicit(form).catch((e: unknown) => e)) as McpError;
    expect(refused).toBeInstanceOf(McpError);
    expect(refused.code).toBe(LIMIT_EXCEEDED);
    expect(refused.message).toBe('Too many input requests waiting in this task (maxQueuedInputRequests 2)');
    expect(refused.data).toEqual({ limit: 'maxQueuedInputRequests', max: 2, taskId: 't1' });
    await expect(task.createMessage(sample)).rejects.toMatchObject({ code: LIMIT_EXCEEDED });
    expect(p.ask).toHaveBeenCalledTimes(2);
    answers[0]?.({ action: 'decline' });
    await first;
    void task.elicit(form);
    expect(p.ask).toHaveBeenCalledTimes(3);
    failures[1]?.(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    void task.elicit(form);
    expect(p.ask).toHaveBeenCalledTimes(4);
  });

  it('uses no slot for an ask refused at once, and names no task inline', async () => {
    const none = port({ capabilities: {}, taskId: undefined });
    const task = workContext(none.port).capInputs(1);
    await expect(task.elicit(form)).rejects.toThrow(MissingClientCapabilityError);
    const { port: p } = port({ taskId: undefined });
    const inline = workContext(p).capInputs(1);
    void inline.elicit(form);
    const refused = (await inline.elicit(form).catch((e: unknown) => e)) as McpError;
    expect(refused.data).toStrictEqual({ limit: 'maxQueuedInputRequests', max: 1 });
    const capped = workContext(port().port).capInputs(0);
    await expect(capped.elicit(form)).rejects.toThrow('maxQueuedInputRequests 0');
  });

  it('sends an ask as a client task when the client runs it as one and the port can follow it', async () => {
    const { port: p } = port({ capabilities: asTasks, asTask: true });
    await workContext(p).elicitAsTask(form, { ttl: 5000 });
    await workContext(p).createMessageAsTask(sample);
    expect(p.askAsTask?.mock.calls.map((c: unknown[]) => [c[0], c[1], c[3]])).toEqual([
      ['elicitation/create', form, 5000],
      ['sampling/createMessage', sample, undefined],
    ]);
    expect(p.ask).not.toHaveBeenCalled();
  });

  it('falls back to the plain ask, or refuses when the work asked for that, naming the missing capability', async () => {
    for (const [capabilities, asTask] of [
      [everything, true],
      [asTasks, false],
    ] as const) {
      const { port: p } = port({ capabilities, asTask });
      void workContext(p).elicitAsTask(form);
      void workContext(p).createMessageAsTask(sample);
      expect(p.ask).toHaveBeenCalledTimes(2);
      const elicitRefusal = (await workContext(p)
        .elicitAsTask(form, { fallback: 'refuse' })
        .catch((error: unknown) => error)) as MissingClientCapabilityError;
      expect(elicitRefusal?.capability).toBe('tasks.requests.elicitation.create');
      await expect(workContext(p).createMessageAsTask(sample, { fallback: 'refuse' })).rejects.toThrow(
        "The client did not declare the 'tasks.requests.sampling.createMessage' capability",
      );
    }
    const none = port({ capabilities: {}, asTask: true });
    await expect(workContext(none.port).elicitAsTask(form)).rejects.toThrow("'elicitation'");
    await expect(workContext(none.port).createMessageAsTask(sample)).rejects.toThrow("'sampling'");
  });

  it('logs with the logger name only when one is given', async () => {
    const { port: p } = port();
    await workContext(p).log('info', 'plain');
    await workContext(p).log('warning', { n: 1 }, 'db');
    expect(p.tell.mock.calls).toStrictEqual([
      [{ method: 'notifications/message', params: { level: 'info', data: 'plain' } }],
      [{ method: 'notifications/message', params: { level: 'warning', data: { n: 1 }, logger: 'db' } }],
    ]);
  });

  it('reports progress only to a caller that asked for it, with total and message when given', async () => {
    const silent = port();
    await workContext(silent.port).progress(1, 2, 'x');
    expect(silent.port.tell).not.toHaveBeenCalled();
    const { port: p } = port({ progressToken: 'p1' });
    await workContext(p).progress(1);
    await workContext(p).progress(2, 10, 'two');
    // Strictly: a field not given is left out, not sent as undefined.
    expect(p.tell.mock.calls).toStrictEqual([
      [{ method: 'notifications/progress', params: { progressToken: 'p1', progress: 1 } }],
      [{ method: 'notifications/progress', params: { progressToken: 'p1', progress: 2, total: 10, message: 'two' } }],
    ]);
  });

  it("sets the call's fields on the context itself", () => {
    const task = workContext(port().port);
    expect(task.addFields({ requestId: 7, sessionId: 's' })).toBe(task);
    expect([task.requestId, task.sessionId]).toEqual([7, 's']);
  });

  it('adds the task augmentation to a request, with the ttl when there is one', () => {
    expect(withTask({ a: 1 }, undefined)).toStrictEqual({ a: 1, task: {} });
    expect(withTask({ a: 1 }, 30)).toStrictEqual({ a: 1, task: { ttl: 30 } });
  });
});

describe('the inline context', () => {
  function stream(answer: (request?: unknown) => Promise<unknown> = () => Promise.resolve({ action: 'decline' })) {
    const request = vi.fn(answer);
    const s = {
      notify: vi.fn(() => Promise.resolve()),
      request: request as typeof request & RequestStream['request'],
    };
    return s;
  }
  const signal = new AbortController().signal;

  it('turns status lines into numbered progress messages when the caller asked for progress', async () => {
    const s = stream();
    const task = inlineContext({ stream: s, signal, capabilities: () => everything, progressToken: 'tok' });
    expect(task.taskId).toBeUndefined();
    await task.status('one');
    await task.status('two');
    expect(s.notify.mock.calls).toStrictEqual([
      [{ method: 'notifications/progress', params: { progressToken: 'tok', progress: 1, message: 'one' } }],
      [{ method: 'notifications/progress', params: { progressToken: 'tok', progress: 2, message: 'two' } }],
    ]);
    const quiet = stream();
    await inlineContext({ stream: quiet, signal, capabilities: () => everything }).status('one');
    expect(quiet.notify).not.toHaveBeenCalled();
  });

  it('asks on the stream, and gives the work -32602 for an answer the schema refuses, other errors as they are', async () => {
    const s = stream();
    await inlineContext({ stream: s, signal, capabilities: () => everything }).elicit(form);
    expect(s.request.mock.calls[0]?.[0]).toEqual({ method: 'elicitation/create', params: form });
    const refused = stream(() => Promise.reject(new z.ZodError([])));
    const error = (await inlineContext({ stream: refused, signal, capabilities: () => everything })
      .elicit(form)
      .catch((e: unknown) => e)) as McpError;
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(/^Invalid answer from the client/);
    const gone = new Error('closed');
    await expect(
      inlineContext({ stream: stream(() => Promise.reject(gone)), signal, capabilities: () => everything }).elicit(form),
    ).rejects.toBe(gone);
  });

  it("follows a client task on the call's own stream when the engine can follow one", async () => {
    const s = stream();
    const follows: ClientTaskFollow[] = [];
    const onTaskStatus = () => () => {};
    const clientTasks: InlineClientTasks = {
      follow: (f) => (follows.push(f), Promise.resolve({ action: 'decline' })),
      status: { onTaskStatus },
    };
    const task = inlineContext({ stream: s, signal, capabilities: () => asTasks, clientTasks });
    await expect(task.elicitAsTask(form, { ttl: 9 })).resolves.toEqual({ action: 'decline' });
    const f = follows[0]!;
    expect(f.signal).toBe(signal);
    expect(f.capabilities).toBe(asTasks);
    expect(f.channel.onTaskStatus).toBe(onTaskStatus);
    const stop = new AbortController().signal;
    await f.create(stop);
    expect(s.request).toHaveBeenLastCalledWith(
      { method: 'elicitation/create', params: { ...form, task: { ttl: 9 } } },
      // Any object: the follow tells a CreateTaskResult from a plain answer (ClientTasks.ts).
      TASK_OR_RESULT,
      {
        signal: stop,
      },
    );
    await f.channel.request({ method: 'tasks/get', params: { taskId: 'c1' } }, z.unknown(), { timeout: 5 });
    expect(s.request).toHaveBeenLastCalledWith({ method: 'tasks/get', params: { taskId: 'c1' } }, expect.anything(), { timeout: 5 });
    // Without the engine's follower the plain request is the fallback.
    const plain = stream();
    await inlineContext({ stream: plain, signal, capabilities: () => asTasks }).elicitAsTask(form);
    expect(plain.request.mock.calls[0]?.[0]).toEqual({ method: 'elicitation/create', params: form });
  });
});
