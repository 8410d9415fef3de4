import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import { eventually } from './harness.js';

/** What a 2026-style request declares: the tasks extension and form elicitation. */
const CAPABILITIES = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };

/** A 2026-style request that declares the tasks extension. */
export function extensionRequest(client: Client, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return client.request({ method, params: { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: CAPABILITIES } } }, z.looseObject({}));
}

/** Starts `tool` (one that asks for input) and waits until `tasks/get` lists its request: the task id and the request's key. */
export async function askingTask(client: Client, tool = 'ask'): Promise<{ taskId: string; key: string }> {
  const created = await extensionRequest(client, 'tools/call', { name: tool, arguments: {} });
  const taskId = String(created['taskId']);
  let key = '';
  await eventually(async () => {
    const task = await extensionRequest(client, 'tasks/get', { taskId });
    key = Object.keys((task['inputRequests'] as object | undefined) ?? {})[0] ?? '';
    return key !== '';
  });
  return { taskId, key };
}
