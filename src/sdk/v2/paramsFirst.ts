/**
 * Params v2 would check or rewrite before our handlers see them, checked or kept here first, so a
 * malformed request gets the answer it gets on v1 (docs/protocols.md, docs/security.md):
 * - `tools/call`: v2's own wrapper (`Server._wrapHandler`) checks the params against the era's
 *   schema before any handler and answers -32602 with a ZodError's JSON as message; the stored
 *   handler is wrapped once more so ours (`toolCallParams`, one readable line) runs first.
 * - `tasks/update`: v2 lifts `inputResponses` out of the params and keeps only bare object
 *   entries (a non-object map becomes `{}`, other entries only a key in
 *   `ctx.mcpReq.droppedInputResponseKeys`), so a malformed map would pass our schema as an empty
 *   one and be acknowledged. The raw value is moved aside where v2 does not look, and put back.
 *   A 2026-style call (per-request client capabilities in `_meta`) is checked without `params.task`,
 *   which SEP-2663 has servers ignore, as the extension's own `tools/call` does.
 * - `initialize`: the same, for the era's InitializeRequest schema (a ZodError's JSON as -32603).
 * The handler is replaced through internals.ts (test/sdk/v2/paramsFirst.test.ts pins the effect).
 * @internal
 */
import { checkInitializeParams, toolCallParams } from '../../session/params.js';
import { isPlainObject } from '../../plainObject.js';
import { CLIENT_CAPABILITIES_META_KEY } from '../../protocol/tasksExtension/wire.js';
import { replaceStoredHandler, storedHandler } from './internals.js';
import type { V2StoredHandler } from './internals.js';

/** The params key a raw `tasks/update` `inputResponses` is kept under while v2 dispatches the request. */
export const RAW_INPUT_RESPONSES = 'io.github.mcp-task-actors/inputResponses';

/**
 * The raw message with a `tasks/update` request's `inputResponses` moved to
 * {@link RAW_INPUT_RESPONSES} (and a client's own value of that key dropped, so it cannot pose as
 * one); any other message unchanged (same reference).
 */
export function keepInputResponses(message: unknown): unknown {
  if (!isPlainObject(message) || message['method'] !== 'tasks/update' || !('id' in message)) return message;
  const params = message['params'];
  if (!isPlainObject(params) || (!('inputResponses' in params) && !(RAW_INPUT_RESPONSES in params))) return message;
  const { inputResponses, [RAW_INPUT_RESPONSES]: _forged, ...rest } = params;
  return { ...message, params: 'inputResponses' in params ? { ...rest, [RAW_INPUT_RESPONSES]: inputResponses } : rest };
}

/**
 * Runs our `tools/call` params check in front of the handler v2 stored for `tools/call` (its
 * wrapper around ours); a failed check throws the same -32602 our dispatcher would.
 */
export function checkToolCallParamsFirst(server: object): void {
  const wrapped = storedHandler(server, 'tools/call');
  if (!wrapped) throw new Error('Unsupported @modelcontextprotocol/server: no tools/call handler');
  const checked: V2StoredHandler = async (request, ctx) => {
    // v2's wrapper would refuse a malformed `params.task` too: it is gone before either check.
    if (extensionRequest(request.params, ctx)) request = { ...request, params: withoutTask(request.params) };
    toolCallParams(request.params);
    return wrapped(request, ctx);
  };
  replaceStoredHandler(server, 'tools/call', checked);
}

/** Runs our `initialize` params check in front of the handler v2 stored for `initialize`. */
export function checkInitializeParamsFirst(server: object): void {
  const wrapped = storedHandler(server, 'initialize');
  if (!wrapped) throw new Error('Unsupported @modelcontextprotocol/server: no initialize handler');
  replaceStoredHandler(server, 'initialize', async (request, ctx) => {
    checkInitializeParams(request.params);
    return wrapped(request, ctx);
  });
}

/**
 * Whether the request carries per-request client capabilities, a 2026-style request (protocol/index.ts
 * `classify`): in `params._meta`, or in the envelope v2 lifted out of them (request.ts).
 */
function extensionRequest(params: unknown, ctx: unknown): params is Record<string, unknown> {
  if (!isPlainObject(params)) return false;
  if (isPlainObject(params['_meta']) && CLIENT_CAPABILITIES_META_KEY in params['_meta']) return true;
  const envelope = (ctx as { mcpReq?: { envelope?: unknown } } | undefined)?.mcpReq?.envelope;
  return isPlainObject(envelope) && CLIENT_CAPABILITIES_META_KEY in envelope;
}

function withoutTask(params: Record<string, unknown>): Record<string, unknown> {
  if (!('task' in params)) return params;
  const { task: _ignored, ...rest } = params;
  return rest;
}
