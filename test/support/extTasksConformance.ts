/**
 * Checks the tasks-extension traffic of a test against the MCP project's generated schemas
 * (`@modelcontextprotocol/ext-tasks/core/v2`, 0.2.2), without changing what the test does: a tap on
 * an SDK v1 client's transport records every 2026-style request (per-request capabilities declaring
 * the extension) and its answer.
 *
 * - Every answer the server gives must parse with ext-tasks' schema for it (`CreateTaskResult`,
 *   the complete `CallToolResult`, `tasks/get`'s `GetTaskResult`, the `tasks/update` and
 *   `tasks/cancel` acks, the JSON-RPC error object).
 * - Every `tasks/update` the test sends is also parsed with ext-tasks' `UpdateTaskRequest`; where
 *   that verdict and the server's (accepted, or -32602) differ, the difference is recorded in
 *   `disagreements`, not failed: the server validates each answer against its own request
 *   (engine/answers.ts), which is not the same check (see docs/protocols.md, "Official schemas").
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  CLIENT_CAPABILITIES_META_KEY_V2,
  CallToolResultV2Schema,
  CancelTaskResultV2Schema,
  CreateTaskResultV2Schema,
  ErrorV2Schema,
  GetTaskResultV2Schema,
  TASKS_EXTENSION_ID_V2,
  UpdateTaskRequestV2Schema,
  UpdateTaskResultV2Schema,
} from '@modelcontextprotocol/ext-tasks/core/v2';
import type { z } from 'zod';

/** One answer that ext-tasks' schema refused. */
export interface Violation {
  method: string;
  answer: unknown;
  issues: string[];
}

/** A `tasks/update` on which the server and ext-tasks' request schema disagree. */
export interface Disagreement {
  inputResponses: unknown;
  server: 'accepted' | 'refused';
  /** The server's error message when it refused. */
  serverMessage?: string;
  extTasks: 'accepted' | 'refused';
}

/** What a tap saw: answers checked, violations, tasks/update disagreements. */
export interface Conformance {
  checked: Map<string, number>;
  violations: Violation[];
  disagreements: Disagreement[];
}

type Message = Record<string, unknown>;

function isExtensionRequest(params: unknown): boolean {
  const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const capabilities = meta?.[CLIENT_CAPABILITIES_META_KEY_V2] as { extensions?: Record<string, unknown> } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION_ID_V2] !== undefined;
}

function schemaFor(method: string, result: Message): z.ZodType | undefined {
  switch (method) {
    case 'tools/call':
      return result['resultType'] === 'task' ? CreateTaskResultV2Schema : CallToolResultV2Schema;
    case 'tasks/get':
      return GetTaskResultV2Schema;
    case 'tasks/update':
      return UpdateTaskResultV2Schema;
    case 'tasks/cancel':
      return CancelTaskResultV2Schema;
    default:
      return undefined;
  }
}

function issuesOf(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** Taps `client`'s transport (call after `connect`). */
export function tapExtensionTraffic(client: Client, into: Conformance = emptyConformance()): Conformance {
  const transport = client.transport;
  if (!transport) throw new Error('tapExtensionTraffic: the client is not connected');
  const sent = new Map<string | number, { method: string; request: Message }>();
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const m = message as Message;
    if (typeof m['method'] === 'string' && 'id' in m && isExtensionRequest(m['params'])) {
      sent.set(m['id'] as string | number, { method: m['method'], request: m });
    }
    return send(message, options);
  };
  const receive = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    const m = message as Message;
    const id = m['id'] as string | number | undefined;
    const asked = id === undefined || 'method' in m ? undefined : sent.get(id);
    if (asked) {
      sent.delete(id!);
      record(into, asked.method, asked.request, m);
    }
    receive?.(message, extra);
  };
  return into;
}

/** An empty record, to share between several taps. */
export function emptyConformance(): Conformance {
  return { checked: new Map(), violations: [], disagreements: [] };
}

function record(into: Conformance, method: string, request: Message, response: Message): void {
  const error = response['error'];
  if (method === 'tasks/update') {
    const server = error === undefined ? 'accepted' : 'refused';
    const extTasks = UpdateTaskRequestV2Schema.safeParse(request).success ? 'accepted' : 'refused';
    if (server !== extTasks) {
      const inputResponses = (request['params'] as Message)['inputResponses'];
      const serverMessage = (error as { message?: string } | undefined)?.message;
      into.disagreements.push({ inputResponses, server, extTasks, ...(serverMessage ? { serverMessage } : {}) });
    }
  }
  const answer = error ?? response['result'];
  const schema = error === undefined ? schemaFor(method, response['result'] as Message) : ErrorV2Schema;
  if (!schema) return;
  const key = error === undefined ? method : `${method} (error)`;
  into.checked.set(key, (into.checked.get(key) ?? 0) + 1);
  const issues = issuesOf(schema, answer);
  if (issues.length > 0) into.violations.push({ method: key, answer, issues });
}
