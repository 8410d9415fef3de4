/**
 * Wire shapes of the MCP tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663), shared by the
 * server binding and the client helper. Depends only on zod, so the client subpath stays light.
 */
import { z } from 'zod';

/** The extension's identifier, as it appears in `capabilities.extensions`. */
export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';

/** The `_meta` key under which a 2026-style request carries its per-request client capabilities. */
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** JSON-RPC error code "Missing Required Client Capability" (2026-07-28 base protocol). */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;

/** A task as the extension shows it: like 2025-11-25's `Task`, with `ttlMs` / `pollIntervalMs`. */
export type ExtensionTask = {
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** Time to live from creation in ms; null for unlimited. */
  ttlMs: number | null;
  /** Suggested polling interval in ms. */
  pollIntervalMs?: number;
};

/** A server-to-client request surfaced in `inputRequests` (elicitation, sampling, roots). */
export type InputRequest = {
  method: string;
  params?: Record<string, unknown>;
};

/** Outstanding requests of a task, keyed by ids unique over the task's life. */
export type InputRequests = Record<string, InputRequest>;

/** The client's results for some of a task's `inputRequests`, under the same keys. */
export type InputResponses = Record<string, Record<string, unknown>>;

/** `tasks/get`'s answer: the task plus what its status carries. */
export type ExtensionDetailedTask =
  | (ExtensionTask & { status: 'working' })
  | (ExtensionTask & { status: 'input_required'; inputRequests: InputRequests })
  | (ExtensionTask & { status: 'completed'; result: Record<string, unknown> })
  | (ExtensionTask & { status: 'failed'; error: { code: number; message: string; data?: unknown } })
  | (ExtensionTask & { status: 'cancelled' });

/** What a `tools/call` answers when the server made the call a task (`resultType: "task"`). */
export type ExtensionCreateTaskResult = ExtensionTask & { resultType: 'task'; _meta?: Record<string, unknown> };

const taskFields = {
  taskId: z.string(),
  statusMessage: z.string().optional(),
  createdAt: z.string(),
  lastUpdatedAt: z.string(),
  ttlMs: z.number().nullable(),
  pollIntervalMs: z.number().optional(),
};

/** Validates an {@link ExtensionTask} (unknown fields kept). */
export const ExtensionTaskSchema = z.looseObject({
  ...taskFields,
  status: z.enum(['working', 'input_required', 'completed', 'failed', 'cancelled']),
});

const inputRequestSchema = z.looseObject({ method: z.string(), params: z.record(z.string(), z.unknown()).optional() });

/** Validates `tasks/get`'s {@link ExtensionDetailedTask} (unknown fields kept). */
export const ExtensionDetailedTaskSchema = z.discriminatedUnion('status', [
  z.looseObject({ ...taskFields, status: z.literal('working') }),
  z.looseObject({
    ...taskFields,
    status: z.literal('input_required'),
    inputRequests: z.record(z.string(), inputRequestSchema),
  }),
  z.looseObject({ ...taskFields, status: z.literal('completed'), result: z.record(z.string(), z.unknown()) }),
  z.looseObject({
    ...taskFields,
    status: z.literal('failed'),
    error: z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() }),
  }),
  z.looseObject({ ...taskFields, status: z.literal('cancelled') }),
]);

/** Params of `tasks/update`; unknown fields are allowed and ignored. */
export const UpdateTaskParamsSchema = z.looseObject({
  taskId: z.string().min(1).max(1024),
  inputResponses: z.record(z.string(), z.looseObject({})),
});
