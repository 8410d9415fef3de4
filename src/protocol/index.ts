import { mcpError } from '../errors.js';
import { describeZodError } from '../zodIssues.js';
import type { ProtocolTable, Route } from '../session/dispatch.js';
import { ClientCapabilitiesSchema, ErrorCode } from '../wire.js';
import type { McpError } from '../wire.js';
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
  const raw = meta[CLIENT_CAPABILITIES_META_KEY];
  const parsed = ClientCapabilitiesSchema.safeParse(raw);
  if (!parsed.success) throw invalidCapabilities(describeZodError(parsed.error));
  // Read from the raw value, not the parsed one: SDK 1.27.0, the lowest of the peer range, has no
  // `extensions` in its ClientCapabilitiesSchema and strips it, so whether the client declared the
  // extension (and whether a malformed `extensions` is refused) would depend on the SDK installed.
  // Checked by hand as the newest SDK checks it (a record of objects): this runs on every extension request.
  const extensions = isObject(raw) ? raw['extensions'] : undefined;
  if (extensions !== undefined && !(isObject(extensions) && Object.values(extensions).every(isObject))) {
    throw invalidCapabilities('extensions: expected an object whose values are objects');
  }
  return {
    protocol: 'tasksExtension',
    capabilities: parsed.data,
    declared: extensions !== undefined && isObject(extensions[TASKS_EXTENSION_ID]),
  };
}

function invalidCapabilities(reason: string): McpError {
  return mcpError(ErrorCode.InvalidParams, `Invalid _meta["${CLIENT_CAPABILITIES_META_KEY}"]: ${reason}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
