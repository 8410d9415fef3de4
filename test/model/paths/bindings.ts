import { expect } from 'vitest';
import {
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateTaskResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TasksExtensionClient } from '../../../src/client/index.js';
import type { ExtensionDetailedTask } from '../../../src/client/index.js';
import type { SpecStatus } from '../specOracle.js';
import type { Combination } from './combination.js';
import { PATH_TTL } from './deployment.js';

/** What a client sees of the task at one look: its status and message, or that it is gone (-32602). */
export type Look = { gone: true } | { gone: false; status: SpecStatus; statusMessage: string | undefined; detail?: ExtensionDetailedTask };

/** How a task ended, as the protocol reports it. */
export type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; error: unknown };

/** The protocol actions a path needs, in one protocol. */
export interface ProtocolActions {
  /** Whether this protocol pushes `notifications/tasks/status` (the extension's clients poll). */
  readonly notifies: boolean;
  create(client: Client): Promise<{ taskId: string; status: string; ttl: number | null | undefined }>;
  look(client: Client, taskId: string): Promise<Look>;
  /** Cancels; checks the immediate reply. */
  cancel(client: Client, taskId: string, reason: string): Promise<void>;
  /** The request key the client must use to answer the work's input request `key`, once the client can see it. */
  pendingKey(client: Client, taskId: string, key: string): Promise<string | undefined>;
  answer(client: Client, taskId: string, requestKey: string, answer: Record<string, unknown>): Promise<void>;
  /** The final outcome, read through `client`. */
  outcome(client: Client, taskId: string): Promise<Outcome>;
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The 2025-11-25 actions: task-augmented tools/call, tasks/get, tasks/list, tasks/cancel, tasks/result. */
export const rev20251125: ProtocolActions = {
  notifies: true,
  async create(client) {
    const { task } = await client.request(
      { method: 'tools/call', params: { name: 'scripted', arguments: {}, task: { ttl: PATH_TTL } } },
      CreateTaskResultSchema,
    );
    return { taskId: task.taskId, status: task.status, ttl: task.ttl };
  },
  async look(client, taskId) {
    const got = await settle(client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema));
    const listed = (await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks.find(
      (t) => t.taskId === taskId,
    );
    if (!got.ok) {
      expect((got.error as McpError).code, 'tasks/get of a task that is gone').toBe(-32602);
      expect(listed, 'tasks/list leaves out a task that is gone').toBeUndefined();
      return { gone: true };
    }
    expect(listed?.status, 'tasks/list agrees with tasks/get').toBe(got.value.status);
    return { gone: false, status: got.value.status, statusMessage: got.value.statusMessage };
  },
  async cancel(client, taskId, reason) {
    const reply = await client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema);
    expect(reply.status, 'tasks/cancel answers with the task already cancelled').toBe('cancelled');
    expect(reply.statusMessage).toBe(reason);
  },
  async pendingKey() {
    throw new Error('2025-11-25 input requests reach the client through tasks/result (InputDesk)');
  },
  async answer() {
    throw new Error('2025-11-25 input requests are answered by the client handler (InputDesk)');
  },
  outcome: (client, taskId) =>
    settle(client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema)) as Promise<Outcome>,
};

const helpers = new WeakMap<Client, TasksExtensionClient>();
function helper(client: Client): TasksExtensionClient {
  let h = helpers.get(client);
  if (!h) helpers.set(client, (h = new TasksExtensionClient(client, { capabilities: { elicitation: { form: {} }, sampling: {} } })));
  return h;
}

/** The extension's actions: tools/call declaring the extension, tasks/get (DetailedTask), tasks/update, tasks/cancel. */
export const extension: ProtocolActions = {
  notifies: false,
  async create(client) {
    const created = await client.request(
      { method: 'tools/call', params: { name: 'scripted', arguments: {}, _meta: helper(client).meta() } },
      CallToolResultSchema.loose(),
    );
    const task = created as unknown as { resultType: string; taskId: string; status: string; ttlMs: number };
    expect(task.resultType).toBe('task');
    return { taskId: task.taskId, status: task.status, ttl: task.ttlMs };
  },
  async look(client, taskId) {
    const got = await settle(helper(client).getTask(taskId));
    if (!got.ok) {
      expect((got.error as McpError).code, 'tasks/get of a task that is gone').toBe(-32602);
      return { gone: true };
    }
    return { gone: false, status: got.value.status, statusMessage: got.value.statusMessage, detail: got.value };
  },
  async cancel(client, taskId) {
    await helper(client).cancelTask(taskId);
  },
  async pendingKey(client, taskId, key) {
    const task = await helper(client).getTask(taskId);
    if (task.status !== 'input_required') return undefined;
    return Object.entries(task.inputRequests).find(([, request]) => JSON.stringify(request.params).includes(`:${key}"`))?.[0];
  },
  async answer(client, taskId, requestKey, answer) {
    await helper(client).updateTask(taskId, { [requestKey]: answer } as never);
  },
  async outcome(client, taskId) {
    const task = await helper(client).getTask(taskId);
    if (task.status === 'completed') return { ok: true, value: task.result };
    if (task.status === 'failed') return { ok: false, error: new McpError(task.error.code, task.error.message, task.error.data) };
    if (task.status === 'cancelled') return { ok: false, error: new McpError(-32603, 'cancelled', { taskId, status: 'cancelled' }) };
    throw new Error(`the task is not terminal: ${task.status}`);
  },
};

/** The actions of a combination's protocol. */
export function actionsOf(c: Combination): ProtocolActions {
  return c.protocol === 'extension' ? extension : rev20251125;
}
