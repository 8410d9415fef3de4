import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID, TasksExtensionClient } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { census } from '../../load/census.js';
import { connectInMemory, eventually, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { emptyConformance, tapExtensionTraffic } from '../../support/extTasksConformance.js';

/*
 * `tasks/update` of the tasks extension (SEP-2663): every entry of `inputResponses` that answers an
 * outstanding request is delivered (the draft: "A server SHOULD ignore any inputResponses mapped to
 * a key that is not currently outstanding ... including keys that were never issued"), and an
 * answered request leaves nothing behind in the task's message queue.
 */

const POLL = 10;
const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };
const CAPABILITIES = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const valueOf = (answer: ElicitResult): string => (answer.action === 'accept' ? String(answer.content?.['value']) : answer.action);

let tasks: TaskSupport;
let session: Session;
/** How each elicitation of the `pair` tool ended, by its message. */
let settled: Map<string, string>;

beforeEach(async () => {
  tasks = testTaskSupport({ pollInterval: POLL, limits: { minPollInterval: POLL } });
  settled = new Map();
  session = await connectInMemory(tasks, (server) => {
    // Two elicitations open at once; each records its own answer as it arrives.
    tasks.registerTool(server, 'pair', { taskSupport: 'required' }, async (_args, task) => {
      const ask = async (message: string): Promise<string> => {
        const value = valueOf(await task.elicit({ message, requestedSchema: FORM }));
        settled.set(message, value);
        return value;
      };
      const [a, b] = await Promise.all([ask('a?'), ask('b?')]);
      return text(`${a}+${b}`);
    });
    tasks.registerTool(server, 'once', { taskSupport: 'required' }, async (_args, task) =>
      text(valueOf(await task.elicit({ message: 'once?', requestedSchema: FORM }))),
    );
  });
  tapExtensionTraffic(session.client, conformance);
});

afterEach(async () => {
  await session.close();
  await tasks.close();
  // Every extension answer of the test parsed with @modelcontextprotocol/ext-tasks' generated schemas.
  expect(conformance.violations).toEqual([]);
});

/** What ext-tasks' schemas made of this file's extension traffic (test/support/extTasksConformance.ts). */
const conformance = emptyConformance();

/** A 2026-style request that declares the tasks extension. */
function request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return session.client.request(
    { method, params: { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: CAPABILITIES } } },
    z.looseObject({}),
  );
}

/** Starts `pair` and waits until both of its elicitations are outstanding; returns their keys. */
async function pairAsking(): Promise<{ taskId: string; keyA: string; keyB: string }> {
  const created = await request('tools/call', { name: 'pair', arguments: {} });
  const taskId = created['taskId'] as string;
  let inputRequests: Record<string, { params: { message: string } }> = {};
  await eventually(async () => {
    const task = await request('tasks/get', { taskId });
    inputRequests = (task['inputRequests'] ?? {}) as typeof inputRequests;
    return task['status'] === 'input_required' && Object.keys(inputRequests).length === 2;
  });
  const keyOf = (message: string): string => Object.entries(inputRequests).find(([, r]) => r.params.message === message)![0];
  return { taskId, keyA: keyOf('a?'), keyB: keyOf('b?') };
}

async function completed(taskId: string): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await eventually(async () => {
    task = await request('tasks/get', { taskId });
    return task['status'] === 'completed';
  });
  return task;
}

describe('tasks/update with several inputResponses', () => {
  it('delivers every answer of one tasks/update: two open elicitations both resolve', async () => {
    const { taskId, keyA, keyB } = await pairAsking();
    const ack = await request('tasks/update', {
      taskId,
      inputResponses: {
        [keyA]: { action: 'accept', content: { value: 'A' } },
        [keyB]: { action: 'accept', content: { value: 'B' } },
      },
    });
    expect(ack).toEqual({ resultType: 'complete' });
    expect(await completed(taskId)).toMatchObject({ status: 'completed', result: text('A+B') });
    expect(Object.fromEntries(settled)).toEqual({ 'a?': 'A', 'b?': 'B' });
  });

  it('ignores a never-issued key that comes first and still delivers the real ones after it', async () => {
    const { taskId, keyA, keyB } = await pairAsking();
    const inputResponses = {
      'never-issued': { action: 'accept', content: { value: 'ghost' } },
      [keyB]: { action: 'accept', content: { value: 'B' } },
      [keyA]: { action: 'decline' },
    };
    expect(Object.keys(inputResponses)[0], 'the unknown key is the first entry on the wire').toBe('never-issued');
    expect(await request('tasks/update', { taskId, inputResponses })).toEqual({ resultType: 'complete' });
    expect(await completed(taskId)).toMatchObject({ status: 'completed', result: text('decline+B') });
    expect(Object.fromEntries(settled)).toEqual({ 'a?': 'decline', 'b?': 'B' });
  });
});

describe('answered requests of extension tasks', () => {
  it('leave the task message queue as soon as they are answered, not at the end of the ttl', async () => {
    const helper = new TasksExtensionClient(session.client, {
      onElicitation: () => ({ action: 'accept', content: { value: 'ok' } }),
      defaultPollIntervalMs: POLL,
    });
    const ids: string[] = [];
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        helper.callTool({ name: 'once', arguments: {} }, { onTaskCreated: (task) => ids.push(task.taskId) }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, () => text('ok')));
    expect(ids).toHaveLength(50);
    await eventually(() => tasks.liveTaskActors === 0);
    // The tasks are kept (ttl) with their results; their queues must hold nothing any more.
    for (const taskId of ids) {
      expect(await tasks.queue.outstanding(taskId), `outstanding requests of ${taskId}`).toEqual([]);
      expect(await tasks.queue.dequeueAll(taskId), `messages still queued for ${taskId}`).toEqual([]);
    }
    // On the in-memory queue, count what it holds directly (Redis keys are counted in the Redis tests).
    if (typeof (tasks.queue as { size?: unknown }).size === 'number') expect(census(tasks).queueEntries).toBe(0);
  });
});

afterAll(() => {
  // The tap saw the traffic it checks (one that saw nothing would pass every afterEach) …
  expect(conformance.checked.get('tasks/get')).toBeGreaterThan(0);
  expect(conformance.checked.get('tasks/update')).toBeGreaterThan(0);
  // … and ext-tasks' UpdateTaskRequest agreed with the server on every tasks/update, except where only
  // the server can know: an unknown or foreign task id.
  expect(conformance.disagreements.filter((d) => !d.serverMessage?.startsWith('Task not found'))).toEqual([]);
});
