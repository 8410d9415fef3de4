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
 * The handler is replaced through internals.ts (test/sdk/v2/paramsFirst.test.ts pins the effect).
 * @internal
 */
import { toolCallParams } from '../../session/params.js';
import { isPlainObject } from '../../plainObject.js';
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
    toolCallParams(request.params);
    return wrapped(request, ctx);
  };
  replaceStoredHandler(server, 'tools/call', checked);
}
