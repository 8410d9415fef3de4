import { describeZodError, mcpError } from '../errors.js';
import type { ProtocolTable, Route } from '../session/dispatch.js';
import { ClientCapabilitiesSchema, ErrorCode } from '../wire.js';
import type { ProtocolDeps } from './ProtocolDeps.js';
import { rev2025Handlers } from './rev2025-11-25/handlers.js';
import { extensionHandlers } from './tasksExtension/handlers.js';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from './tasksExtension/wire.js';

export type { ProtocolDeps };

/** The dispatch table: every protocol's methods, by route. Adding a protocol adds a folder and a row here. */
export function protocolTable(deps: ProtocolDeps): ProtocolTable {
  return { 'rev2025-11-25': rev2025Handlers(deps), tasksExtension: extensionHandlers(deps) };
}

/**
 * Which protocol a request speaks, decided once from its params:
 * - no per-request client capabilities in `_meta`: 2025-11-25 (`params.task` opts in);
 * - `_meta["io.modelcontextprotocol/clientCapabilities"]` present: a 2026-style request, served
 *   by the tasks extension; -32602 "Invalid _meta[...]" when present but malformed.
 */
export function classify(params: unknown, extensionEnabled: boolean): Route {
  if (!extensionEnabled) return { protocol: 'rev2025-11-25' };
  const meta = isObject(params) && isObject(params['_meta']) ? params['_meta'] : undefined;
  if (!meta || !(CLIENT_CAPABILITIES_META_KEY in meta)) return { protocol: 'rev2025-11-25' };
  const parsed = ClientCapabilitiesSchema.safeParse(meta[CLIENT_CAPABILITIES_META_KEY]);
  if (!parsed.success) {
    throw mcpError(ErrorCode.InvalidParams, `Invalid _meta["${CLIENT_CAPABILITIES_META_KEY}"]: ${describeZodError(parsed.error)}`);
  }
  const capabilities = parsed.data;
  return { protocol: 'tasksExtension', capabilities, declared: isObject(capabilities.extensions?.[TASKS_EXTENSION_ID]) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
