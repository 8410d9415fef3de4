import { isPlainObject } from '../plainObject.js';
import type { Answer } from '../types.js';
import { ErrorCode } from '../wire.js';
import type { ClientResponse } from './ServerHost.js';

/**
 * The `Answer` a client response carries. A transport of the user's own (or the SDK's in-memory one)
 * hands over responses no JSON-RPC schema checked: an `error` that is no `{ code, message }` (null,
 * `{}`, a fractional code) threw in the engine (`error: null`: out of the transport's onmessage,
 * with the request untracked and its task waiting for ever) or failed the task with "Tool returned
 * a result that is not JSON: Cannot read properties of undefined". The work gets what it gets for a
 * result of the wrong shape: -32602 "Invalid answer from the client: …".
 */
export function answerOf(response: ClientResponse): Answer {
  if (!('error' in response)) return { result: response.result };
  const error: unknown = response.error;
  if (isPlainObject(error) && Number.isSafeInteger(error['code']) && typeof error['message'] === 'string') {
    const { code, message, data } = error as { code: number; message: string; data?: unknown };
    return { error: data === undefined ? { code, message } : { code, message, data } };
  }
  const message = 'Invalid answer from the client: a JSON-RPC error needs an integer code and a string message';
  return { error: { code: ErrorCode.InvalidParams, message } };
}
